import type { SearchCursor } from '../../../fhir/search/search-request';
import { badRequest } from '../../../kernel/errors';
import type { Sql } from './compile-value';

/** One sort key of a page query: an SQL expression on `r`, selected as `k<i>`. */
export interface SortKey {
  expr: Sql;
  descending: boolean;
  /** Index-derived keys may be absent (NULL); they sort last whatever the direction. */
  nullable: boolean;
}

/**
 * Keyset paging: the rows strictly after (or before) the cursor row in the order (keys..., rid). Compared
 * lexicographically as an OR of "equal on the first i keys and beyond on key i", NULLs last.
 * `reverse` (previous page) flips every direction, NULLs then come first.
 */
export function keysetCondition(keys: readonly SortKey[], cursor: SearchCursor, reverse: boolean): Sql {
  const all = [...keys.map((k, i) => ({ ...k, name: `k${i}` })), { name: 'r.rid', descending: false, nullable: false }];
  if (cursor.keys.length !== all.length || cursor.keys.some((v) => v !== null && typeof v !== 'string' && typeof v !== 'number')) {
    throw badRequest('_cursor does not belong to this search', '_cursor');
  }
  const ors: Sql[] = [];
  const equal: Sql[] = [];
  all.forEach((k, i) => {
    const v = cursor.keys[i];
    const descending = k.descending !== reverse;
    const nullsLast = !reverse;
    let beyond: Sql | undefined;
    if (v === null) {
      beyond = nullsLast ? undefined : { text: `${k.name} IS NOT NULL`, args: [] };
    } else {
      const cmp = `${k.name} ${descending ? '<' : '>'} ?`;
      beyond = k.nullable && nullsLast ? { text: `(${cmp} OR ${k.name} IS NULL)`, args: [v] } : { text: cmp, args: [v] };
    }
    if (beyond) ors.push(and([...equal, beyond]));
    equal.push(v === null ? { text: `${k.name} IS NULL`, args: [] } : { text: `${k.name} = ?`, args: [v] });
  });
  if (ors.length === 0) return { text: '0', args: [] };
  return { text: `(${ors.map((o) => o.text).join(' OR ')})`, args: ors.flatMap((o) => o.args) };
}

function and(parts: Sql[]): Sql {
  return { text: parts.length === 1 ? parts[0].text : `(${parts.map((p) => p.text).join(' AND ')})`, args: parts.flatMap((p) => p.args) };
}

/** ORDER BY terms over the selected key columns, then rid. */
export function orderBy(keys: readonly SortKey[], reverse: boolean): string {
  const terms = keys.flatMap((k, i) => {
    const dir = k.descending !== reverse ? 'DESC' : 'ASC';
    return k.nullable ? [`k${i} IS NULL${reverse ? ' DESC' : ''}`, `k${i} ${dir}`] : [`k${i} ${dir}`];
  });
  return [...terms, `r.rid${reverse ? ' DESC' : ''}`].join(', ');
}
