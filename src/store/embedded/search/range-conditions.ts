import type { Sql } from './compile-value';

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
