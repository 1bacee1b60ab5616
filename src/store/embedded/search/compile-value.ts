import type { SearchValue } from '../../../fhir/search/search-request';
import { normalizeString } from '../../../fhir/search/normalize';
import { rangeConditions } from './range-conditions';

/** A fragment of SQL with its bound arguments. Client values only ever travel in `args`. */
export interface Sql {
  text: string;
  args: unknown[];
  /** A selective positive condition that should drive the query (rids looked up in an index first). */
  drives?: boolean;
  /** Equality on every column of an index before rid: that index range yields rids in order. */
  ordered?: boolean;
  /** The same condition as a per-row probe on the index primary key (for a filter that does not drive). */
  probe?: Sql;
  /**
   * For an ordered filter: its index table and conditions on the alias `d`, to drive a page in rid order;
   * several (one per param id, for a union parameter) are merged in rid order.
   */
  driver?: { table: string; where: Sql[] };
  /** The filter is an `_id` condition on the resources row (drives through resources' (type, id)). */
  byId?: boolean;
  /** For a driving filter: a SELECT of its matching rids, used to estimate its size when several could drive. */
  rids?: Sql;
  /** For a driving filter: how selective its kind usually is (0 most), the order in which candidates are sized. */
  prior?: number;
}

export const TRUE: Sql = { text: '1', args: [] };
export const FALSE: Sql = { text: '0', args: [] };
/** Above every character that can appear in a normalised string (UTF-8 ordering). */
const MAX_CHAR = '\u{10FFFF}';

/**
 * One value as conditions on an index row whose columns are prefixed by `q` ('' or 'k1.'). Several
 * conditions are alternatives (OR), each one index range.
 */
export function valueConditions(v: SearchValue, modifier: string | undefined, q = ''): Sql[] {
  switch (v.kind) {
    case 'string':
      if (modifier === 'exact') return [{ text: `${q}norm = ? AND ${q}exact = ?`, args: [normalizeString(v.value), v.value] }];
      if (modifier === 'contains') return [{ text: `${q}norm LIKE ? ESCAPE '\\'`, args: [`%${escapeLike(v.value)}%`] }];
      return [startsWith(`${q}norm`, v.value)];
    case 'token':
      if (modifier === 'text') return [startsWith(`${q}norm`, normalizeString(v.code ?? ''))];
      if (v.code === undefined) return [{ text: `${q}system = ?`, args: [v.system ?? ''] }];
      if (v.system === undefined) return [{ text: `${q}code = ?`, args: [v.code] }];
      return [{ text: `(${q}code = ? AND ${q}system = ?)`, args: [v.code, v.system], ordered: true }];
    case 'codes': {
      const bySystem = new Map<string, string[]>();
      for (const c of v.codes) bySystem.set(c.system, [...(bySystem.get(c.system) ?? []), c.code]);
      if (bySystem.size === 0) return [FALSE];
      return [...bySystem].map(([system, codes]) => {
        const list = inList(codes);
        return { text: `(${q}code ${list.text} AND ${q}system = ?)`, args: [...list.args, system] };
      });
    }
    case 'reference':
      if (v.url !== undefined) {
        return v.version !== undefined
          ? [{ text: `(${q}url = ? AND ${q}version = ? AND ${q}url <> '')`, args: [v.url, v.version] }]
          : [{ text: `(${q}url = ? AND ${q}url <> '')`, args: [v.url] }];
      }
      if (v.targetType !== undefined) {
        return [{ text: `(${q}target_id = ? AND ${q}target_type = ?)`, args: [v.id, v.targetType], ordered: true }];
      }
      return [{ text: `${q}target_id = ?`, args: [v.id] }];
    case 'date':
      return rangeConditions(`${q}low`, `${q}high`, v.prefix, v.low, v.high);
    case 'number':
    case 'quantity': {
      const ranges = numberConditions(`${q}value`, v.prefix, v.value, v.low, v.high);
      if (v.kind === 'number' || (v.system === undefined && v.code === undefined)) return ranges;
      const unit: Sql =
        v.system === undefined
          ? { text: `${q}code = ?`, args: [v.code] }
          : { text: `${q}code = ? AND ${q}system = ?`, args: [v.code ?? '', v.system] };
      return ranges.map((c) => ({ text: `${unit.text} AND ${c.text}`, args: [...unit.args, ...c.args] }));
    }
    case 'uri':
      if (modifier === 'below') return [{ text: `(${q}value >= ? AND ${q}value < ?)`, args: [v.value, v.value + MAX_CHAR] }];
      if (modifier === 'above') {
        const list = inList(uriAncestors(v.value));
        return [{ text: `${q}value ${list.text}`, args: list.args }];
      }
      return [{ text: `${q}value = ?`, args: [v.value] }];
    case 'missing':
    case 'composite':
      return [FALSE];
  }
}

/**
 * R4 3.1.1.4.2 (number) and 3.1.1.4.8 (quantity): eq/ne use the implicit precision range of the search
 * value [low, high), half-open as in the spec's example; gt/lt/ge/le compare with the value exactly ("greater than exactly 100"); ap is within
 * 10% of the stated value (ap100: 90 to 110); sa/eb as beyond the precision range.
 */
export function numberConditions(column: string, prefix: string, value: number, low: number, high: number): Sql[] {
  const one = (text: string, ...args: number[]): Sql[] => [{ text, args }];
  switch (prefix) {
    case 'gt': return one(`${column} > ?`, value);
    case 'lt': return one(`${column} < ?`, value);
    case 'ge': return one(`${column} >= ?`, value);
    case 'le': return one(`${column} <= ?`, value);
    case 'ap': {
      const margin = Math.abs(value) * 0.1;
      return one(`${column} >= ? AND ${column} <= ?`, value - margin, value + margin);
    }
    // The precision range is half-open: eq100 is [99.5, 100.5), so 100.5 is not equal to 100.
    case 'eq': return one(`${column} >= ? AND ${column} < ?`, low, high);
    case 'ne': return [...one(`${column} < ?`, low), ...one(`${column} >= ?`, high)];
    default: return rangeConditions(column, column, prefix, low, high);
  }
}

/** `:above`: the value itself and every prefix of it ending before a `/` (http://x/fhir/ValueSet/1 -> ..., http://x). */
export function uriAncestors(value: string): string[] {
  const out = [value];
  const start = value.indexOf('://') >= 0 ? value.indexOf('://') + 3 : 0;
  for (let i = value.length - 1; i > start; i--) if (value[i] === '/') out.push(value.slice(0, i));
  return [...new Set(out.filter((u) => u.length > 0))];
}

function startsWith(column: string, norm: string): Sql {
  return { text: `(${column} >= ? AND ${column} < ?)`, args: [norm, norm + MAX_CHAR] };
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => '\\' + c);
}

export function inList(values: readonly unknown[]): Sql {
  if (values.length === 1) return { text: '= ?', args: [values[0]] };
  return { text: `IN (${values.map(() => '?').join(', ')})`, args: [...values] };
}
