import type { SearchFilter, SearchValue } from '../../../fhir/search/search-request';
import { FALSE, inList, valueConditions, type Sql } from './compile-value';
import { TABLE_OF_KIND } from './index-schema';
import type { ParamIds } from './param-ids';

/**
 * A composite filter: each component value is indexed under `<code>#<i>` and every component of one source
 * element shares a `grp`, so a value `a$b` is the join of the component rows on (rid, grp): same-element
 * semantics (an Observation with component A=1 and component B=2 does not match A=2$B=1...).
 */
export function compileComposite(filter: SearchFilter, types: readonly string[], ids: ParamIds, alias: string): Sql {
  // A union parameter (union-params.ts) is matched part by part: `grp` numbers the elements of one code only.
  const codes = new Map<string, string[]>();
  for (const type of types) {
    for (const code of ids.storedCodes(type, filter.code)) codes.set(code, [...(codes.get(code) ?? []), type]);
  }
  const selects: Sql[] = [];
  for (const value of filter.values) {
    if (value.kind !== 'composite') continue;
    for (const [code, codeTypes] of codes) {
      const select = compositeSelect(code, value.components, codeTypes, ids);
      if (select) selects.push(select);
    }
  }
  if (selects.length === 0) return FALSE;
  return {
    text: `${alias}.rid IN (${selects.map((s) => s.text).join(' UNION ALL ')})`,
    args: selects.flatMap((s) => s.args),
    drives: true,
  };
}

function compositeSelect(code: string, components: SearchValue[], types: readonly string[], ids: ParamIds): Sql | undefined {
  const joins: Sql[] = [];
  const where: Sql[] = [];
  for (let i = 0; i < components.length; i++) {
    const v = components[i];
    const table = TABLE_OF_KIND[v.kind === 'codes' ? 'token' : v.kind];
    const pids = ids.lookup(types, `${code}#${i}`);
    if (!table || pids.length === 0) return undefined;
    const k = `k${i}`;
    const p = inList(pids);
    if (i === 0) joins.push({ text: `${table} k0`, args: [] });
    else joins.push({ text: `JOIN ${table} ${k} ON ${k}.rid = k0.rid AND ${k}.param_id ${p.text} AND ${k}.grp = k0.grp`, args: p.args });
    const alternatives = valueConditions(v, undefined, `${k}.`);
    const or: Sql = {
      text: alternatives.length === 1 ? alternatives[0].text : `(${alternatives.map((a) => a.text).join(' OR ')})`,
      args: alternatives.flatMap((a) => a.args),
    };
    if (i === 0) where.push({ text: `k0.param_id ${p.text}`, args: p.args });
    where.push(or);
  }
  return {
    text: `SELECT k0.rid FROM ${joins.map((j) => j.text).join(' ')} WHERE ${where.map((w) => w.text).join(' AND ')}`,
    args: [...joins.flatMap((j) => j.args), ...where.flatMap((w) => w.args)],
  };
}
