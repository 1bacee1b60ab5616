import type { Document, IndexDescription } from 'mongodb';

/** The index a filter would use, and how far its bounds narrow the scan. */
export interface Plan {
  index: string;
  /** The leading index fields the filter bounds. */
  bounded: string[];
  /**
   * True when the bounds go past `type` and `deleted`: only a type listing may scan every resource of a
   * type; a lookup by key, string, id or range must not.
   */
  selective: boolean;
}

const BROAD_FIELDS = new Set(['type', 'deleted']);

/**
 * A small model of MongoDB's index selection, for tests on FerretDB (which ignores indexes, so its plans
 * say nothing): an index serves a filter when its leading key fields carry predicates that MongoDB turns
 * into index bounds (equality, $in, a range, an anchored regex); the index with the longest bounded prefix
 * wins. A filter that no index serves would be a COLLSCAN on MongoDB. `$or` is served when each branch is
 * (MongoDB's OR plan), and selective when each branch is.
 */
export function planOf(filter: Document, indexes: IndexDescription[]): Plan | undefined {
  const predicates: [string, unknown][] = [];
  const ors: Document[][] = [];
  collect(filter, predicates, ors);
  const bounded = new Set(predicates.filter(([, condition]) => boundable(condition)).map(([field]) => field));
  if (bounded.has('_id')) return { index: '_id_', bounded: ['_id'], selective: true };
  let best: Plan | undefined;
  for (const index of indexes) {
    const prefix: string[] = [];
    for (const field of Object.keys(index.key)) {
      const hit = field.endsWith('.$**') ? [...bounded].find((f) => f.startsWith(field.slice(0, -3))) : bounded.has(field) ? field : undefined;
      if (!hit) break;
      prefix.push(hit);
    }
    if (prefix.length === 0 || (best && best.bounded.length >= prefix.length && best.selective)) continue;
    const plan = { index: index.name ?? prefix.join('_'), bounded: prefix, selective: prefix.some((f) => !BROAD_FIELDS.has(f)) };
    if (!best || (plan.selective && !best.selective) || (plan.selective === best.selective && prefix.length > best.bounded.length)) best = plan;
  }
  if (best?.selective) return best;
  for (const branches of ors) {
    const plans = branches.map((b) => planOf(b, indexes));
    if (plans.every((p) => p?.selective)) {
      return { index: `or(${[...new Set(plans.map((p) => p!.index))].join(',')})`, bounded: [], selective: true };
    }
  }
  return best;
}

function collect(filter: Document, predicates: [string, unknown][], ors: Document[][]): void {
  for (const [field, condition] of Object.entries(filter)) {
    if (field === '$and') for (const part of condition as Document[]) collect(part, predicates, ors);
    else if (field === '$or') ors.push(condition as Document[]);
    else if (!field.startsWith('$')) predicates.push([field, condition]);
  }
}

/** Whether MongoDB can make index bounds of this condition (a negation or an existence test cannot). */
function boundable(condition: unknown): boolean {
  if (condition === null || typeof condition !== 'object' || condition instanceof Date || Array.isArray(condition)) return true;
  const ops = Object.keys(condition);
  if (ops.length === 0 || !ops.every((op) => op.startsWith('$'))) return true; // an embedded-document equality
  return ops.some((op) => {
    const value = (condition as Record<string, unknown>)[op];
    if (op === '$eq' || op === '$in' || op === '$gt' || op === '$gte' || op === '$lt' || op === '$lte') return true;
    if (op === '$regex') return typeof value === 'string' ? value.startsWith('^') : String(value).startsWith('/^');
    return false;
  });
}

/** The query shape: field names and operators kept, values replaced by `?`, so shapes can be listed and compared. */
export function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.length === 0 ? [] : [shapeOf(value[0])];
  if (value === null || typeof value !== 'object' || value instanceof Date) return '?';
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = k === '$and' || k === '$or' ? (v as unknown[]).map(shapeOf) : shapeOf(v);
  return out;
}
