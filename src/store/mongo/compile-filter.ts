import type { Document } from 'mongodb';
import { normalizeString } from '../../fhir/search/normalize';
import type { SearchFilter, SearchValue } from '../../fhir/search/search-request';
import { field, key, SEP, type RangeEntry, type SearchKeys } from './search-keys';

/**
 * One filter (an OR of values) as a MongoDB condition on a `resources` document, built only from our own
 * field names and operators: client values travel as values (regexes are escaped), never as syntax.
 * `check` is set when the condition alone is a superset (two bounds or a unit on the same range entry, which
 * plain multikey predicates cannot tie together without $elemMatch); the caller then checks each candidate.
 */
export interface CompiledFilter {
  condition: Document;
  check?: (doc: { rg?: SearchKeys['rg'] }) => boolean;
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
  if (kind === 'date' || kind === 'number' || kind === 'quantity') return rangeFilter(filter);
  const modifier = filter.modifier;
  const alternatives = filter.values.flatMap((v) => keyAlternatives(filter.code, kind, modifier, v));
  const negate = kind === 'token' && modifier === 'not';
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
function keyAlternatives(code: string, kind: string, modifier: string | undefined, v: SearchValue): (string | Document)[] {
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
    case 'reference':
      if (v.url !== undefined) return [v.version !== undefined ? key.refUrlVersion(code, v.url, v.version) : key.refUrl(code, v.url)];
      if (v.id === undefined) return [];
      return [v.targetType !== undefined ? key.refTyped(code, v.targetType, v.id) : key.refId(code, v.id)];
    case 'uri':
      if (modifier === 'below') return [{ k: prefixRegex(key.uri(code, v.value)) }];
      return [key.uri(code, v.value)];
    default:
      return [];
  }
}

type Op = '$gt' | '$gte' | '$lt' | '$lte';
interface Bound {
  side: 'lo' | 'hi';
  op: Op;
  value: number;
}

/**
 * R4 range semantics (3.1.1.4.3) for a stored range [lo, hi] and a search range [ql, qh], as ORs of ANDs of
 * bounds; the same rules as the embedded index (ge = gt OR eq and le = lt OR eq simplify to two one-sided
 * bounds each).
 */
export function rangeBounds(prefix: string, ql: number, qh: number, now = Date.now()): Bound[][] {
  const b = (side: Bound['side'], op: Op, value: number): Bound => ({ side, op, value });
  switch (prefix) {
    case 'eq': return [[b('lo', '$gte', ql), b('hi', '$lte', qh)]];
    case 'ne': return [[b('lo', '$lt', ql)], [b('hi', '$gt', qh)]];
    case 'ge': return [[b('lo', '$gte', ql)], [b('hi', '$gt', qh)]];
    case 'le': return [[b('hi', '$lte', qh)], [b('lo', '$lt', ql)]];
    case 'gt': return [[b('hi', '$gt', qh)]];
    case 'lt': return [[b('lo', '$lt', ql)]];
    case 'sa': return [[b('lo', '$gt', qh)]];
    case 'eb': return [[b('hi', '$lt', ql)]];
    case 'ap': {
      const margin = Math.max(Math.abs(now - ql), Math.abs(now - qh)) * 0.1;
      return [[b('lo', '$lte', qh + margin), b('hi', '$gte', ql - margin)]];
    }
    default:
      throw new Error(`unknown prefix ${prefix}`);
  }
}

function holds(bound: Bound, entry: RangeEntry): boolean {
  const x = entry[bound.side];
  switch (bound.op) {
    case '$gt': return x > bound.value;
    case '$gte': return x >= bound.value;
    case '$lt': return x < bound.value;
    case '$lte': return x <= bound.value;
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
    if (v.kind !== 'date' && v.kind !== 'number' && v.kind !== 'quantity') continue;
    let unit: RangeAlternative['unit'];
    if (v.kind === 'quantity' && (v.system !== undefined || v.code !== undefined)) {
      unit = v.system === undefined ? { code: v.code ?? '' } : { system: v.system, code: v.code ?? '' };
    }
    for (const bounds of rangeBounds(v.prefix, v.low, v.high)) alternatives.push({ bounds, unit });
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
  const check = (doc: { rg?: SearchKeys['rg'] }) =>
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
