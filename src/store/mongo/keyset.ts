import type { Document } from 'mongodb';
import type { SearchCursor, SortRule } from '../../fhir/search/search-request';
import { badRequest } from '../../kernel/errors';
import { field } from './search-keys';

/**
 * One key of the page order. `presence` (parameter sort keys) is the `so.<f>.p` flag that sorts resources
 * without a value last; `path` is then absent on those documents, which a cursor records as null.
 */
export interface SortField {
  path: string;
  descending: boolean;
  presence?: string;
}

/** The sort rules as document fields, then `_id` so equal keys always come back in one order (FerretDB sorts unstably). */
export function sortFields(rules: readonly SortRule[]): SortField[] {
  const fields: SortField[] = [];
  const seen = new Set<string>();
  const push = (f: SortField) => {
    if (seen.has(f.path)) return;
    seen.add(f.path);
    fields.push(f);
  };
  for (const rule of rules) {
    if (rule.code === '_id') push({ path: 'id', descending: rule.descending });
    else if (rule.code === '_lastUpdated') push({ path: 'lastUpdated', descending: rule.descending });
    else {
      const f = field(rule.code);
      push({ path: `so.${f}.${rule.descending ? 'd' : 'a'}`, descending: rule.descending, presence: `so.${f}.p` });
    }
  }
  push({ path: '_id', descending: false });
  return fields;
}

/** The MongoDB sort; `reverse` (previous page) flips every direction, resources without a value then come first. */
export function sortDocument(fields: readonly SortField[], reverse: boolean): Document {
  const sort: Record<string, 1 | -1> = {};
  for (const f of fields) {
    if (f.presence) sort[f.presence] = reverse ? 1 : -1;
    sort[f.path] = f.descending !== reverse ? -1 : 1;
  }
  return sort;
}

/** The cursor keys of a page's boundary document, in SortField order. */
export function cursorKeys(fields: readonly SortField[], doc: Document): (string | number | null)[] {
  return fields.map((f) => {
    let v: unknown = doc;
    for (const part of f.path.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
    return typeof v === 'string' || typeof v === 'number' ? v : null;
  });
}

/**
 * Documents strictly after (or, reversed, before) the cursor document in the page order: an $or of "equal on
 * the first i keys and beyond on key i". Values are compared as values; the cursor is signed by the REST
 * layer, and its shape is still checked so a foreign cursor is a 400, never a query error.
 */
export function keysetFilter(fields: readonly SortField[], cursor: SearchCursor, reverse: boolean): Document {
  if (cursor.keys.length !== fields.length || cursor.keys.some((v) => v !== null && typeof v !== 'string' && typeof v !== 'number')) {
    throw badRequest('_cursor does not belong to this search', '_cursor');
  }
  const ors: Document[] = [];
  const equal: Document[] = [];
  fields.forEach((f, i) => {
    const v = cursor.keys[i];
    const nullable = f.presence !== undefined;
    if (v === null && !nullable) throw badRequest('_cursor does not belong to this search', '_cursor');
    let beyond: Document | undefined;
    if (v === null) {
      // Missing values sort last going forward (nothing lies beyond them) and first going backward.
      beyond = reverse ? { [f.path]: { $exists: true } } : undefined;
    } else {
      const cmp = { [f.path]: { [f.descending !== reverse ? '$lt' : '$gt']: v } };
      beyond = nullable && !reverse ? { $or: [cmp, { [f.path]: { $exists: false } }] } : cmp;
    }
    if (beyond) ors.push(equal.length === 0 ? beyond : { $and: [...equal, beyond] });
    equal.push(v === null ? { [f.path]: { $exists: false } } : { [f.path]: v });
  });
  if (ors.length === 0) return { _id: { $in: [] } };
  return ors.length === 1 ? ors[0] : { $or: ors };
}
