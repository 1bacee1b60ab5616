import type { SearchFilter, SearchValue } from '../../../fhir/search/search-request';
import { normalizeString } from '../../../fhir/search/normalize';
import { TABLE_OF_KIND } from './index-schema';
import type { ParamIds } from './param-ids';

/** A fragment of SQL with its bound arguments. Client values only ever travel in `args`. */
export interface Sql {
  text: string;
  args: unknown[];
  /** A selective positive condition that should drive the query (rids looked up in an index first). */
  drives?: boolean;
}

const DRIVING_KINDS = new Set(['string', 'token', 'reference', 'uri']);

const TRUE: Sql = { text: '1', args: [] };
const FALSE: Sql = { text: '0', args: [] };
/** Above every character that can appear in a normalised string (UTF-8 ordering). */
const MAX_CHAR = '\u{10FFFF}';

/**
 * One filter (an OR of values) as a condition on `r` (the resources row). Index filters become
 * `r.rid [NOT] IN (SELECT rid FROM idx_x WHERE param_id = ? AND (...))`, so each one is an index search.
 */
export function compileFilter(filter: SearchFilter, types: readonly string[], ids: ParamIds): Sql {
  if (filter.code === '_id') return idFilter(filter);
  if (filter.code === '_lastUpdated') return lastUpdatedFilter(filter);
  const kind = filter.param.type;
  const modifier = filter.modifier;
  const missing = filter.values.find((v) => v.kind === 'missing');
  if (missing && missing.kind === 'missing') {
    const table = TABLE_OF_KIND[kind];
    const pids = ids.lookup(types, filter.code);
    if (!table || pids.length === 0) return missing.missing ? TRUE : FALSE;
    const p = inList(pids);
    // `+param_id`: probe the (rid, param_id...) primary key, not a (param_id...) index range.
    const exists = `EXISTS (SELECT 1 FROM ${table} WHERE rid = r.rid AND +param_id ${p.text})`;
    return { text: missing.missing ? `NOT ${exists}` : exists, args: p.args };
  }
  let table = TABLE_OF_KIND[kind];
  let code = filter.code;
  if (kind === 'token' && modifier === 'text') [table, code] = ['idx_string', `${code}:text`];
  if (kind === 'token' && modifier === 'of-type') code = `${code}:of-type`;
  if (kind === 'reference' && modifier === 'identifier') [table, code] = ['idx_token', `${code}:identifier`];
  const negate = kind === 'token' && modifier === 'not';
  const pids = ids.lookup(types, code);
  if (!table || pids.length === 0) return negate ? TRUE : FALSE;
  // Each alternative is its own SELECT so that each is one index range (SQLite will not reliably turn an
  // OR of ranges on different columns into several index searches).
  const alternatives: Sql[] = filter.values.flatMap((v) => valueConditions(v, modifier));
  const p = inList(pids);
  const selects = alternatives.map((a) => ({
    text: `SELECT rid FROM ${table} WHERE param_id ${p.text} AND ${a.text}`,
    args: [...p.args, ...a.args],
  }));
  const text = `r.rid ${negate ? 'NOT IN' : 'IN'} (${selects.map((x) => x.text).join(' UNION ALL ')})`;
  return { text, args: selects.flatMap((x) => x.args), drives: !negate && DRIVING_KINDS.has(kind) };
}

function valueConditions(v: SearchValue, modifier: string | undefined): Sql[] {
  const c = valueCondition(v, modifier);
  return Array.isArray(c) ? c : [c];
}

function valueCondition(v: SearchValue, modifier: string | undefined): Sql | Sql[] {
  switch (v.kind) {
    case 'string':
      if (modifier === 'exact') return { text: 'norm = ? AND exact = ?', args: [normalizeString(v.value), v.value] };
      if (modifier === 'contains') return { text: "norm LIKE ? ESCAPE '\\'", args: [`%${escapeLike(v.value)}%`] };
      return startsWith(v.value);
    case 'token':
      if (modifier === 'text') return startsWith(normalizeString(v.code ?? ''));
      if (v.code === undefined) return { text: 'system = ?', args: [v.system ?? ''] };
      if (v.system === undefined) return { text: 'code = ?', args: [v.code] };
      return { text: '(code = ? AND system = ?)', args: [v.code, v.system] };
    case 'reference':
      if (v.url !== undefined) {
        return v.version !== undefined
          ? { text: "(url = ? AND version = ? AND url <> '')", args: [v.url, v.version] }
          : { text: "(url = ? AND url <> '')", args: [v.url] };
      }
      if (v.targetType !== undefined) return { text: '(target_id = ? AND target_type = ?)', args: [v.id, v.targetType] };
      return { text: 'target_id = ?', args: [v.id] };
    case 'date':
      return rangeConditions('low', 'high', v.prefix, v.low, v.high);
    case 'number':
    case 'quantity': {
      const ranges = rangeConditions('value', 'value', v.prefix, v.low, v.high);
      if (v.kind === 'number' || (v.system === undefined && v.code === undefined)) return ranges;
      const unit: Sql =
        v.system === undefined
          ? { text: 'code = ?', args: [v.code] }
          : { text: 'code = ? AND system = ?', args: [v.code ?? '', v.system] };
      return ranges.map((c) => ({ text: `${unit.text} AND ${c.text}`, args: [...unit.args, ...c.args] }));
    }
    case 'uri':
      if (modifier === 'below') return { text: '(value >= ? AND value < ?)', args: [v.value, v.value + MAX_CHAR] };
      return { text: 'value = ?', args: [v.value] };
    case 'missing':
      return FALSE;
  }
}

function startsWith(norm: string): Sql {
  return { text: '(norm >= ? AND norm < ?)', args: [norm, norm + MAX_CHAR] };
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => '\\' + c);
}

/**
 * R4 date/number semantics for a stored range [lo, hi] against a search range [ql, qh] (3.1.1.4.3):
 * eq: contained; ne: not contained; gt/lt: overlaps the range above/below; ge/le: gt/lt or eq;
 * sa/eb: wholly after/before; ap: overlaps the search range widened by 10% of its distance from now.
 */
export function rangeConditions(
  lo: string, hi: string, prefix: string, ql: number, qh: number, now = Date.now(),
): Sql[] {
  const one = (text: string, ...args: number[]): Sql[] => [{ text, args }];
  switch (prefix) {
    case 'eq':
      return one(`${lo} >= ? AND ${hi} <= ?`, ql, qh);
    // ne, and ge = gt OR eq, le = lt OR eq (which simplify as lo <= hi): each an OR of two index ranges.
    case 'ne':
      return [...one(`${lo} < ?`, ql), ...one(`${hi} > ?`, qh)];
    case 'ge':
      return [...one(`${lo} >= ?`, ql), ...one(`${hi} > ?`, qh)];
    case 'le':
      return [...one(`${hi} <= ?`, qh), ...one(`${lo} < ?`, ql)];
    case 'gt':
      return one(`${hi} > ?`, qh);
    case 'lt':
      return one(`${lo} < ?`, ql);
    case 'sa':
      return one(`${lo} > ?`, qh);
    case 'eb':
      return one(`${hi} < ?`, ql);
    case 'ap': {
      const margin = Math.max(Math.abs(now - ql), Math.abs(now - qh)) * 0.1;
      return one(`${lo} <= ? AND ${hi} >= ?`, qh + margin, ql - margin);
    }
    default:
      throw new Error(`unknown prefix ${prefix}`);
  }
}

function idFilter(filter: SearchFilter): Sql {
  const ids = filter.values.flatMap((v) => (v.kind === 'token' && v.code !== undefined ? [v.code] : []));
  const p = inList(ids);
  const not = filter.modifier === 'not';
  return { text: `r.id ${not ? 'NOT ' : ''}${p.text}`, args: p.args };
}

function lastUpdatedFilter(filter: SearchFilter): Sql {
  const ors = filter.values.flatMap((v) =>
    v.kind === 'date' ? rangeConditions('r.last_updated', 'r.last_updated', v.prefix, v.low, v.high) : [FALSE],
  );
  return { text: `(${ors.map((o) => o.text).join(' OR ')})`, args: ors.flatMap((o) => o.args) };
}

export function inList(values: readonly unknown[]): Sql {
  if (values.length === 1) return { text: '= ?', args: [values[0]] };
  return { text: `IN (${values.map(() => '?').join(', ')})`, args: [...values] };
}
