import type { Document } from 'mongodb';
import { normalizeString } from '../../fhir/search/normalize';
import type { SearchFilter, SearchValue } from '../../fhir/search/search-request';
import { badRequest } from '../../kernel/errors';
import { compositeFilter } from './compile-composite';
import { holds, numberBounds, rangeBounds, type Bound } from './range-bounds';
import { field, key, SEP, type CheckDoc } from './search-keys';

/**
 * One filter (an OR of values) as a MongoDB condition on a `resources` document, built only from our own
 * field names and operators: client values travel as values (regexes are escaped), never as syntax.
 * `check` is set when the condition alone is a superset (two bounds or a unit on the same range entry, which
 * plain multikey predicates cannot tie together without $elemMatch); the caller then checks each candidate.
 */
export interface CompiledFilter {
  condition: Document;
  check?: (doc: CheckDoc) => boolean;
}

const NOTHING: Document = { _id: { $in: [] } };
const EVERYTHING: Document = {};

export function escapeRegex(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

const prefixRegex = (prefix: string): Document => ({ $regex: `^${escapeRegex(prefix)}` });

export function compileFilter(filter: SearchFilter, types: readonly string[]): CompiledFilter {
  if (filter.code === '_id') return { condition: idCondition(filter, types) };
  if (filter.code === '_lastUpdated') return { condition: lastUpdatedCondition(filter) };
  const missing = filter.values.find((v) => v.kind === 'missing');
  if (missing?.kind === 'missing') {
    const marker = key.present(filter.code);
    return { condition: missing.missing ? { k: { $ne: marker } } : { k: marker } };
  }
  const kind = filter.param.type;
  if (kind === 'composite') return compositeFilter(filter, types, compileFilter);
  if (kind === 'date' || kind === 'number' || kind === 'quantity') return rangeFilter(filter);
  const modifier = filter.modifier;
  const alternatives = filter.values.flatMap((v) => keyAlternatives(filter, kind, modifier, v));
  const negate = kind === 'token' && (modifier === 'not' || modifier === 'not-in');
  if (alternatives.length === 0) return { condition: negate ? EVERYTHING : NOTHING };
  const equalities = alternatives.filter((a): a is string => typeof a === 'string');
  const others = alternatives.filter((a): a is Document => typeof a !== 'string');
  const ors: Document[] = [];
  if (equalities.length > 0) ors.push({ k: equalities.length === 1 ? equalities[0] : { $in: equalities } });
  ors.push(...others);
  if (negate) return { condition: ors.length === 1 && equalities.length > 0 ? { k: { $nin: equalities } } : { $nor: ors } };
  return { condition: ors.length === 1 ? ors[0] : { $or: ors } };
}

/** A `k` equality key (string) or a whole condition (regexes on `k` or `s`). */
function keyAlternatives(filter: SearchFilter, kind: string, modifier: string | undefined, v: SearchValue): (string | Document)[] {
  const code = filter.code;
  switch (v.kind) {
    case 'string':
      if (modifier === 'exact') return [key.exact(code, v.value)];
      if (modifier === 'contains') {
        return [{ s: { $regex: `^${escapeRegex(code + SEP)}.*${escapeRegex(v.value)}`, $options: 's' } }];
      }
      return [{ s: prefixRegex(key.norm(code, v.value)) }];
    case 'token': {
      if (modifier === 'text') return [{ s: prefixRegex(key.norm(`${code}:text`, normalizeString(v.code ?? ''))) }];
      const c = modifier === 'of-type' || modifier === 'identifier' ? `${code}:${modifier}` : code;
      if (v.code === undefined) return [key.tokenSystem(c, v.system ?? '')];
      if (v.system === undefined) return [key.tokenAnySystem(c, v.code)];
      return [key.tokenExact(c, v.system, v.code)];
    }
    // :in/:not-in/:above/:below resolved to a code set by the parser: '' is a code without system (`|code`).
    case 'codes':
      return v.codes.map((c) => key.tokenExact(code, c.system, c.code));
    case 'reference':
      if (v.url !== undefined) return [v.version !== undefined ? key.refUrlVersion(code, v.url, v.version) : key.refUrl(code, v.url)];
      if (v.id === undefined) return [];
      return [v.targetType !== undefined ? key.refTyped(code, v.targetType, v.id) : key.refId(code, v.id)];
    case 'uri':
      if (modifier === 'below') return [{ k: prefixRegex(key.uri(code, v.value)) }];
      if (modifier === 'above') return uriAncestors(v.value).map((u) => key.uri(code, u));
      return [key.uri(code, v.value)];
    default:
      throw unsupported(filter, v.kind);
  }
}

interface RangeAlternative {
  bounds: Bound[];
  unit?: { system?: string; code: string };
}

function rangeFilter(filter: SearchFilter): CompiledFilter {
  const f = field(filter.code);
  const alternatives: RangeAlternative[] = [];
  for (const v of filter.values) {
    if (v.kind !== 'date' && v.kind !== 'number' && v.kind !== 'quantity') throw unsupported(filter, v.kind);
    let unit: RangeAlternative['unit'];
    if (v.kind === 'quantity' && (v.system !== undefined || v.code !== undefined)) {
      unit = v.system === undefined ? { code: v.code ?? '' } : { system: v.system, code: v.code ?? '' };
    }
    const all = v.kind === 'date' ? rangeBounds(v.prefix, v.low, v.high) : numberBounds(v.prefix, v.value, v.low, v.high);
    for (const bounds of all) alternatives.push({ bounds, unit });
  }
  if (alternatives.length === 0) return { condition: NOTHING };
  const conditions = alternatives.map((alt) => {
    const c: Record<string, Document> = {};
    for (const bound of alt.bounds) ((c[`rg.${f}.${bound.side}`] ??= {})[bound.op] = bound.value);
    return c as Document;
  });
  const condition = conditions.length === 1 ? conditions[0] : { $or: conditions };
  const exact = alternatives.every((alt) => alt.bounds.length === 1 && alt.unit === undefined);
  if (exact) return { condition };
  const check = (doc: CheckDoc) =>
    (doc.rg?.[f]?.e ?? []).some((entry) =>
      alternatives.some(
        (alt) =>
          alt.bounds.every((bound) => holds(bound, entry)) &&
          (alt.unit === undefined ||
            (entry.u === alt.unit.code && (alt.unit.system === undefined || entry.s === alt.unit.system))),
      ),
    );
  return { condition, check };
}

function idCondition(filter: SearchFilter, types: readonly string[]): Document {
  const ids = filter.values.flatMap((v) => (v.kind === 'token' && v.code !== undefined ? [v.code] : []));
  const keys = types.flatMap((t) => ids.map((id) => `${t}/${id}`));
  return { _id: filter.modifier === 'not' ? { $nin: keys } : { $in: keys } };
}

function lastUpdatedCondition(filter: SearchFilter): Document {
  const ors: Document[] = [];
  for (const v of filter.values) {
    if (v.kind !== 'date') continue;
    for (const bounds of rangeBounds(v.prefix, v.low, v.high)) {
      const c: Document = {};
      // lastUpdated is one instant: both sides of the range are the same scalar field.
      for (const bound of bounds) (c.lastUpdated ??= {})[bound.op] = bound.value;
      ors.push(c);
    }
  }
  if (ors.length === 0) return NOTHING;
  return ors.length === 1 ? ors[0] : { $or: ors };
}

/** Never a silent empty result: a value kind this backend cannot compile is the client's 400. */
export function unsupported(filter: SearchFilter, what: string): Error {
  return badRequest(`search parameter '${filter.code}': ${what} values are not supported by this server`, filter.code);
}

/** `:above` on a uri: the value itself and each of its prefixes ending before a `/` after the authority. */
function uriAncestors(value: string): string[] {
  const out = new Set([value]);
  const scheme = value.indexOf('://');
  const start = scheme >= 0 ? scheme + 3 : 0;
  for (let i = value.length - 1; i > start; i--) if (value[i] === '/') out.add(value.slice(0, i));
  return [...out];
}
