import type { SearchFilter } from '../../../fhir/search/search-request';
import { compileChain } from './compile-chain';
import { compileComposite } from './compile-composite';
import { FALSE, inList, TRUE, valueConditions, type Sql } from './compile-value';
import { TABLE_OF_KIND } from './index-schema';
import type { ParamIds } from './param-ids';
import { rangeConditions } from './range-conditions';

export { inList, rangeConditions, type Sql };

const DRIVING_KINDS = new Set(['string', 'token', 'reference', 'uri', 'composite']);

/**
 * One filter (an OR of values) as a condition on the resources row `alias` (default `r`). Index filters become
 * `r.rid [NOT] IN (SELECT rid FROM idx_x WHERE param_id = ? AND (...))`, so each one is an index search.
 * Chained filters become joins through idx_reference (compile-chain.ts), composites joins on (rid, grp).
 */
export function compileFilter(filter: SearchFilter, types: readonly string[], ids: ParamIds, alias = 'r'): Sql {
  if (filter.chain?.length) return compileChain(filter, types, ids, alias);
  if (filter.code === '_id') return idFilter(filter, alias);
  if (filter.code === '_lastUpdated') return lastUpdatedFilter(filter, alias);
  const kind = filter.param.type;
  const modifier = filter.modifier;
  const missing = filter.values.find((v) => v.kind === 'missing');
  if (missing && missing.kind === 'missing') {
    const tables = kind === 'composite' ? ['idx_token', 'idx_quantity', 'idx_string', 'idx_date'] : [TABLE_OF_KIND[kind]];
    const code = kind === 'composite' ? `${filter.code}#0` : filter.code;
    const pids = ids.lookup(types, code);
    if (!tables[0] || pids.length === 0) return missing.missing ? TRUE : FALSE;
    const p = inList(pids);
    // `+param_id`: probe the (rid, param_id...) primary key, not a (param_id...) index range.
    const exists = tables.map((t) => `EXISTS (SELECT 1 FROM ${t} WHERE rid = ${alias}.rid AND +param_id ${p.text})`);
    const text = `(${exists.join(' OR ')})`;
    return { text: missing.missing ? `NOT ${text}` : text, args: tables.flatMap(() => p.args) };
  }
  if (kind === 'composite') return compileComposite(filter, types, ids, alias);
  let table = TABLE_OF_KIND[kind];
  let code = filter.code;
  if (kind === 'token' && modifier === 'text') [table, code] = ['idx_string', `${code}:text`];
  if (kind === 'token' && modifier === 'of-type') code = `${code}:of-type`;
  if (kind === 'reference' && modifier === 'identifier') [table, code] = ['idx_token', `${code}:identifier`];
  const negate = kind === 'token' && (modifier === 'not' || modifier === 'not-in');
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
  const text = `${alias}.rid ${negate ? 'NOT IN' : 'IN'} (${selects.map((x) => x.text).join(' UNION ALL ')})`;
  return { text, args: selects.flatMap((x) => x.args), drives: !negate && DRIVING_KINDS.has(kind) };
}

function idFilter(filter: SearchFilter, alias: string): Sql {
  const ids = filter.values.flatMap((v) => (v.kind === 'token' && v.code !== undefined ? [v.code] : []));
  if (ids.length === 0) return filter.modifier === 'not' ? TRUE : FALSE;
  const p = inList(ids);
  const not = filter.modifier === 'not';
  return { text: `${alias}.id ${not ? 'NOT ' : ''}${p.text}`, args: p.args };
}

function lastUpdatedFilter(filter: SearchFilter, alias: string): Sql {
  const ors = filter.values.flatMap((v) =>
    v.kind === 'date'
      ? rangeConditions(`${alias}.last_updated`, `${alias}.last_updated`, v.prefix, v.low, v.high)
      : [FALSE],
  );
  return { text: `(${ors.map((o) => o.text).join(' OR ')})`, args: ors.flatMap((o) => o.args) };
}
