import type { Definitions } from '../../../fhir/conformance/definitions';
import type { SearchRequest, SortRule } from '../../../fhir/search/search-request';
import { compileFilter, inList, type Sql } from './compile-filter';
import { TABLE_OF_KIND } from './index-schema';
import { keysetCondition, orderBy, type SortKey } from './keyset';
import type { ParamIds } from './param-ids';

export interface CompiledSearch {
  /** Page query: selects `rid` and the sort keys, limited to count + 1 rows (the extra one tells hasMore). */
  page: Sql;
  /** COUNT(*) over the same conditions. */
  count: Sql;
  /** Sort key columns k0.. selected after rid (their values make the keyset cursors). */
  keyCount: number;
  /** A previous-page query: rows come in reverse order. */
  reverse: boolean;
}

/**
 * SearchRequest -> parameterised SQL over `resources r`. Table and column names come only from our own
 * constants and the param ids are integers from idx_param; every client value is a bound argument.
 */
export function compileSearch(definitions: Definitions, ids: ParamIds, request: SearchRequest): CompiledSearch {
  const types = request.resourceTypes;
  const conditions: Sql[] = [];
  if (request.compartment) conditions.push(compartmentCondition(definitions, ids, types, request.compartment));
  for (const filter of request.filters) conditions.push(compileFilter(filter, types, ids));
  // With a selective filter, the rids come from its index; `+` keeps SQLite from walking every resource of
  // the type instead (it has no statistics to tell). Without one, (type, deleted) gives rid order directly.
  const driven = conditions.some((c) => c.drives);
  const t = inList(types);
  const where: Sql[] = [
    { text: `${driven ? '+' : ''}r.type ${t.text}`, args: t.args },
    { text: `${driven ? '+' : ''}r.deleted = 0`, args: [] },
    ...conditions,
  ];

  const whereText = where.map((w) => w.text).join(' AND ');
  const whereArgs = where.flatMap((w) => w.args);
  const keys = request.sort.map((s) => sortKey(definitions, ids, types, s));
  const reverse = request.cursor !== undefined && !request.cursor.after;
  const keyset = request.cursor ? keysetCondition(keys, request.cursor, reverse) : undefined;
  const select = [{ text: 'r.rid AS rid', args: [] }, ...keys.map((k, i) => ({ text: `${k.expr.text} AS k${i}`, args: k.expr.args }))];
  return {
    page: {
      text:
        `SELECT ${select.map((x) => x.text).join(', ')} FROM resources r WHERE ${whereText}` +
        `${keyset ? ` AND ${keyset.text}` : ''} ORDER BY ${orderBy(keys, reverse)} LIMIT ? OFFSET ?`,
      args: [
        ...select.flatMap((x) => x.args), ...whereArgs, ...(keyset?.args ?? []),
        request.count + 1, request.cursor ? 0 : request.offset,
      ],
    },
    count: { text: `SELECT COUNT(*) AS n FROM resources r WHERE ${whereText}`, args: whereArgs },
    keyCount: keys.length,
    reverse,
  };
}

function sortKey(definitions: Definitions, ids: ParamIds, types: readonly string[], rule: SortRule): SortKey {
  const descending = rule.descending;
  if (rule.code === '_id') return { expr: { text: 'r.id', args: [] }, descending, nullable: false };
  if (rule.code === '_lastUpdated') return { expr: { text: 'r.last_updated', args: [] }, descending, nullable: false };
  const kind = definitions.searchParameter(types[0], rule.code)?.type ?? '';
  const table = TABLE_OF_KIND[kind];
  const pids = ids.lookup(types, rule.code);
  if (!table || pids.length === 0) return { expr: { text: 'NULL', args: [] }, descending, nullable: true };
  const agg = rule.descending ? 'MAX' : 'MIN';
  const column =
    kind === 'string' ? 'norm'
    : kind === 'token' ? 'code'
    : kind === 'reference' ? "target_type || '/' || target_id || url"
    : kind === 'date' ? (rule.descending ? 'high' : 'low')
    : 'value';
  const p = inList(pids);
  return {
    expr: { text: `(SELECT ${agg}(${column}) FROM ${table} WHERE rid = r.rid AND +param_id ${p.text})`, args: p.args },
    descending,
    nullable: true,
  };
}

/** Patient/123/Observation: the Observation parameters the compartment definition lists, pointing at it. */
function compartmentCondition(
  definitions: Definitions,
  ids: ParamIds,
  types: readonly string[],
  compartment: { resourceType: string; id: string },
): Sql {
  const ors: Sql[] = [];
  if (compartment.resourceType === 'Patient') {
    if (types.includes('Patient')) ors.push({ text: "(r.type = 'Patient' AND r.id = ?)", args: [compartment.id] });
    const pids: number[] = [];
    for (const type of types) {
      const entry = definitions.patientCompartment.resource?.find((e) => e.code === type);
      for (const code of entry?.param ?? []) pids.push(...ids.lookup([type], code));
    }
    if (pids.length > 0) {
      const p = inList(pids);
      ors.push({
        text: `r.rid IN (SELECT rid FROM idx_reference WHERE param_id ${p.text} AND target_id = ? AND target_type = ?)`,
        args: [...p.args, compartment.id, compartment.resourceType],
      });
      return { text: `(${ors.map((o) => o.text).join(' OR ')})`, args: ors.flatMap((o) => o.args), drives: ors.length === 1 };
    }
  }
  if (ors.length === 0) return { text: '0', args: [] };
  return { text: `(${ors.map((o) => o.text).join(' OR ')})`, args: ors.flatMap((o) => o.args) };
}
