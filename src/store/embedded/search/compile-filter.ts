import type { SearchFilter } from '../../../fhir/search/search-request';
import { compileChain } from './compile-chain';
import { compileComposite } from './compile-composite';
import { FALSE, inList, TRUE, valueConditions, type Sql } from './compile-value';
import { TABLE_OF_KIND } from './index-schema';
import type { ParamIds } from './param-ids';
import { rangeConditions } from './range-conditions';

export { inList, rangeConditions, type Sql };

/** The kinds of filter that may drive a search, most selective first (a reference usually names one target). */
const DRIVING_KINDS = ['reference', 'token', 'uri', 'string', 'composite'];

/**
 * One filter (an OR of values) as a condition on the resources row `alias` (default `r`). Index filters become
 * `r.rid [NOT] IN (SELECT rid FROM idx_x WHERE param_id = ? AND (...))`, so each one is an index search.
 * Chained filters become joins through idx_reference (compile-chain.ts), composites joins on (rid, grp).
 */
export function compileFilter(filter: SearchFilter, types: readonly string[], ids: ParamIds, alias = 'r'): Sql {
  if (filter.chain?.length) return compileChain(filter, types, ids, alias);
  const missing = filter.values.find((v) => v.kind === 'missing');
  // Every resource has an id and a meta.lastUpdated: never missing.
  if ((filter.code === '_id' || filter.code === '_lastUpdated') && missing?.kind === 'missing') {
    return missing.missing ? FALSE : TRUE;
  }
  if (filter.code === '_id') return idFilter(filter, alias);
  if (filter.code === '_lastUpdated') return lastUpdatedFilter(filter, alias);
  const kind = filter.param.type;
  const modifier = filter.modifier;
  if (missing && missing.kind === 'missing') return missingFilter(filter.code, kind, missing.missing, types, ids, alias);
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
  if (alternatives.length === 0) return negate ? TRUE : FALSE;
  const p = inList(pids);
  const selects = alternatives.map((a) => ({
    text: `SELECT rid FROM ${table} WHERE param_id ${p.text} AND ${a.text}`,
    args: [...p.args, ...a.args],
  }));
  const text = `${alias}.rid ${negate ? 'NOT IN' : 'IN'} (${selects.map((x) => x.text).join(' UNION ALL ')})`;
  // `+param_id`: probe the (rid, param_id...) primary key of the row's own entries, not a (param_id...) range.
  const any = alternatives.length === 1 ? alternatives[0].text : `(${alternatives.map((a) => `(${a.text})`).join(' OR ')})`;
  const probe: Sql = {
    text: `${negate ? 'NOT ' : ''}EXISTS (SELECT 1 FROM ${table} WHERE rid = ${alias}.rid AND +param_id ${p.text} AND ${any})`,
    args: [...p.args, ...alternatives.flatMap((a) => a.args)],
  };
  const drives = !negate && DRIVING_KINDS.includes(kind);
  const result: Sql = { text, args: selects.flatMap((x) => x.args), drives, probe };
  if (drives) {
    result.rids = { text: selects.map((x) => x.text).join(' UNION ALL '), args: result.args };
    result.prior = DRIVING_KINDS.indexOf(kind);
  }
  if (!negate && alternatives.length === 1 && alternatives[0].ordered) {
    const [d] = filter.values.flatMap((v) => valueConditions(v, modifier, 'd.'));
    result.ordered = true;
    result.driver = { table, where: pids.map((pid) => ({ text: `d.param_id = ? AND ${d.text}`, args: [pid, ...d.args] })) };
  }
  return result;
}

/**
 * `:missing`: whether the resource has any index row for the parameter. A reference holding only an
 * identifier is indexed under `<code>:identifier` (idx_token) and still has a value.
 */
function missingFilter(
  code: string, kind: string, isMissing: boolean, types: readonly string[], ids: ParamIds, alias: string,
): Sql {
  const sources: [string, string][] =
    kind === 'composite' ? ['idx_token', 'idx_quantity', 'idx_string', 'idx_date'].map((t) => [t, `${code}#0`])
    : kind === 'reference' ? [['idx_reference', code], ['idx_token', `${code}:identifier`]]
    : TABLE_OF_KIND[kind] ? [[TABLE_OF_KIND[kind], code]]
    : [];
  const exists: Sql[] = [];
  for (const [table, c] of sources) {
    const pids = ids.lookup(types, c);
    if (pids.length === 0) continue;
    const p = inList(pids);
    // `+param_id`: probe the (rid, param_id...) primary key, not a (param_id...) index range.
    exists.push({ text: `EXISTS (SELECT 1 FROM ${table} WHERE rid = ${alias}.rid AND +param_id ${p.text})`, args: p.args });
  }
  if (exists.length === 0) return isMissing ? TRUE : FALSE;
  const text = `(${exists.map((e) => e.text).join(' OR ')})`;
  return { text: isMissing ? `NOT ${text}` : text, args: exists.flatMap((e) => e.args) };
}

function idFilter(filter: SearchFilter, alias: string): Sql {
  const ids = filter.values.flatMap((v) => (v.kind === 'token' && v.code !== undefined ? [v.code] : []));
  if (ids.length === 0) return filter.modifier === 'not' ? TRUE : FALSE;
  const p = inList(ids);
  const not = filter.modifier === 'not';
  return { text: `${not ? 'NOT ' : ''}(${alias}.id ${p.text})`, args: p.args, byId: !not };
}

function lastUpdatedFilter(filter: SearchFilter, alias: string): Sql {
  const ors = filter.values.flatMap((v) =>
    v.kind === 'date'
      ? rangeConditions(`${alias}.last_updated`, `${alias}.last_updated`, v.prefix, v.low, v.high)
      : [FALSE],
  );
  if (ors.length === 0) return FALSE;
  return { text: `(${ors.map((o) => o.text).join(' OR ')})`, args: ors.flatMap((o) => o.args) };
}
