import type { Definitions } from '../../../fhir/conformance/definitions';
import type { CompartmentRestriction, SearchRequest, SortRule } from '../../../fhir/search/search-request';
import { compileFilter, inList, type Sql } from './compile-filter';
import { TABLE_OF_KIND } from './index-schema';
import { keysetCondition, orderBy, type SortKey } from './keyset';
import type { ParamIds } from './param-ids';

export interface CompiledSearch {
  /** Page query: selects `rid` and the sort keys, limited to count + 1 rows (the extra one tells hasMore). */
  page: Sql;
  /** COUNT(*) over the same conditions. */
  count: Sql;
  /** The matching rows, unordered (one per match): what a capped count reads, `(${matchRows}) LIMIT ?`. */
  matchRows: Sql;
  /** Sort key columns k0.. selected after rid (their values make the keyset cursors). */
  keyCount: number;
  /** A previous-page query: rows come in reverse order. */
  reverse: boolean;
}

/**
 * SearchRequest -> parameterised SQL over `resources r`. Table and column names come only from our own
 * constants and the param ids are integers from idx_param; every client value is a bound argument.
 */
/** Counts the rows of a rid SELECT, stopping at `cap`: how selective a candidate driving filter is. */
export type DriverEstimate = (rids: Sql, cap: number) => number;

/** No candidate driving filter is counted beyond this many rows. */
export const ESTIMATE_CAP = 2000;

export function compileSearch(
  definitions: Definitions,
  ids: ParamIds,
  request: SearchRequest,
  estimate?: DriverEstimate,
): CompiledSearch {
  const types = request.resourceTypes;
  const conditions: Sql[] = [];
  if (request.compartment) conditions.push(compartmentCondition(definitions, ids, types, request.compartment));
  for (const filter of request.filters) conditions.push(compileFilter(filter, types, ids));
  // ONE driving condition (the most selective kind) gives the candidate rids; every other index filter is a
  // per-row probe on its table's primary key, instead of materialising its whole match list.
  const driverAt = chooseDriver(conditions, estimate);
  const driver = driverAt >= 0 ? conditions[driverAt] : undefined;
  const others = conditions.filter((_, i) => i !== driverAt).map((c) => (driver && c.probe ? c.probe : c));
  // With a driving filter, the rids come from its index; `+` keeps SQLite from walking every resource of
  // the type instead (it has no statistics to tell). Without one, (type, deleted) gives rid order directly;
  // an _id filter drives through resources' (type, id), so type stays usable.
  // With _id driving, `+r.deleted` leaves (type, id) as the only index that fits, instead of (type, deleted).
  const plus = driver && !driver.byId ? '+' : '';
  const t = inList(types);
  const rowWhere: Sql[] = [
    { text: `${plus}r.type ${t.text}`, args: t.args },
    { text: `${driver ? '+' : ''}r.deleted = 0`, args: [] },
  ];
  const where: Sql[] = [...rowWhere, ...(driver ? [driver] : []), ...others];
  const whereText = where.map((w) => w.text).join(' AND ');
  const whereArgs = where.flatMap((w) => w.args);
  const keys = request.sort.map((s) => sortKey(definitions, ids, types, s));
  const reverse = request.cursor !== undefined && !request.cursor.after;
  const keyset = request.cursor ? keysetCondition(keys, request.cursor, reverse) : undefined;
  const limit = [request.count + 1, request.cursor ? 0 : request.offset];
  const matchRows: Sql = driver?.driver && others.length === 0
    ? indexMatchRows(driver.driver)
    : { text: `SELECT 1 FROM resources r WHERE ${whereText}`, args: whereArgs };
  const count: Sql = driver?.driver && others.length === 0
    ? { text: `SELECT COUNT(*) AS n FROM (${matchRows.text})`, args: matchRows.args }
    : { text: `SELECT COUNT(*) AS n FROM resources r WHERE ${whereText}`, args: whereArgs };
  if (driver?.driver && keys.length === 0) {
    return { page: orderedPage(driver.driver, [...rowWhere, ...others], keyset, reverse, limit), count, matchRows, keyCount: 0, reverse };
  }
  const select = [{ text: 'r.rid AS rid', args: [] }, ...keys.map((k, i) => ({ text: `${k.expr.text} AS k${i}`, args: k.expr.args }))];
  return {
    page: {
      text:
        `SELECT ${select.map((x) => x.text).join(', ')} FROM resources r WHERE ${whereText}` +
        `${keyset ? ` AND ${keyset.text}` : ''} ORDER BY ${orderBy(keys, reverse)} LIMIT ? OFFSET ?`,
      args: [...select.flatMap((x) => x.args), ...whereArgs, ...(keyset?.args ?? []), ...limit],
    },
    count,
    matchRows,
    keyCount: keys.length,
    reverse,
  };
}

/**
 * _id first. Then, when several filters could drive and an estimate is available, the one matching the
 * fewest rows (a capped count on its index: SQLite has no statistics to choose with), an ordered one on a
 * tie. Otherwise an equality yielding rids in order, then any other selective positive filter; -1: none.
 */
function chooseDriver(conditions: readonly Sql[], estimate?: DriverEstimate): number {
  const byId = conditions.findIndex((c) => c.byId);
  if (byId >= 0) return byId;
  const candidates = conditions.flatMap((c, i) => (c.drives && c.rids ? [i] : []));
  if (estimate && candidates.length > 1) {
    // Sized most-likely-selective first, each count capped just past the best so far: a patient's few
    // references are counted, a region-wide code only up to that many rows.
    const order = [...candidates].sort((a, b) => (conditions[a].prior ?? 9) - (conditions[b].prior ?? 9));
    let best = order[0];
    let bestSize = estimate(conditions[best].rids as Sql, ESTIMATE_CAP);
    for (const i of order.slice(1)) {
      if (bestSize === 0) break;
      // One row past the best tells "as small" from "larger".
      const size = estimate(conditions[i].rids as Sql, bestSize + 1);
      if (size < bestSize || (size === bestSize && conditions[i].driver && !conditions[best].driver)) {
        best = i;
        bestSize = size;
      }
    }
    return best;
  }
  const ordered = conditions.findIndex((c) => c.driver);
  return ordered >= 0 ? ordered : conditions.findIndex((c) => c.drives);
}

/**
 * Default order (rid) with a driver whose index range is in rid order: walk that range joined to resources
 * and stop after the page (GROUP BY folds a resource's several entries under the same key, in index order).
 */
function orderedPage(
  driver: { table: string; where: Sql[] }, where: Sql[], keyset: Sql | undefined, reverse: boolean, limit: number[],
): Sql {
  // keysetCondition names r.rid; on d.rid the cursor is a start point in the driving index range.
  const start: Sql[] = keyset ? [{ text: keyset.text.replaceAll('r.rid', 'd.rid'), args: keyset.args }] : [];
  const desc = reverse ? ' DESC' : '';
  if (driver.where.length === 1) {
    const conditions = [driver.where[0], ...where, ...start];
    return {
      text:
        `SELECT d.rid AS rid FROM ${driver.table} d CROSS JOIN resources r ON r.rid = d.rid ` +
        `WHERE ${conditions.map((c) => c.text).join(' AND ')} GROUP BY d.rid ORDER BY d.rid${desc} LIMIT ? OFFSET ?`,
      args: [...conditions.flatMap((c) => c.args), ...limit],
    };
  }
  // Several ranges (a union parameter's part ids): SQLite merges the ordered ranges (MERGE (UNION) in a
  // co-routine), so the page still stops after `limit` rows instead of sorting every match.
  const arms = driver.where.map((w) => and([w, ...start]));
  return {
    text:
      `SELECT d.rid AS rid FROM (${arms.map((a) => `SELECT d.rid AS rid FROM ${driver.table} d WHERE ${a.text}`).join(' UNION ')} ` +
      `ORDER BY 1${desc}) d CROSS JOIN resources r ON r.rid = d.rid ` +
      `${where.length > 0 ? `WHERE ${where.map((c) => c.text).join(' AND ')} ` : ''}ORDER BY d.rid${desc} LIMIT ? OFFSET ?`,
    args: [...arms.flatMap((a) => a.args), ...where.flatMap((c) => c.args), ...limit],
  };
}

function and(parts: Sql[]): Sql {
  return { text: parts.map((p) => p.text).join(' AND '), args: parts.flatMap((p) => p.args) };
}

/**
 * A lone driving filter: its matching rids from its index entries, without touching resources (param ids
 * are per type and a deleted resource's entries are removed with it).
 */
function indexMatchRows(driver: { table: string; where: Sql[] }): Sql {
  if (driver.where.length === 1) {
    return { text: `SELECT d.rid FROM ${driver.table} d WHERE ${driver.where[0].text} GROUP BY d.rid`, args: driver.where[0].args };
  }
  return {
    text: driver.where.map((w) => `SELECT d.rid FROM ${driver.table} d WHERE ${w.text}`).join(' UNION '),
    args: driver.where.flatMap((w) => w.args),
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
  compartment: CompartmentRestriction,
): Sql {
  const ors: Sql[] = [];
  const open: string[] = [];
  if (compartment.resourceType === 'Patient') {
    const targets = inList(compartment.ids ?? [compartment.id]);
    if (types.includes('Patient')) ors.push({ text: `(r.type = 'Patient' AND r.id ${targets.text})`, args: targets.args });
    const pids: number[] = [];
    for (const type of types) {
      const entry = definitions.patientCompartment.resource?.find((e) => e.code === type);
      if (entry?.param?.length) for (const code of entry.param) pids.push(...ids.lookup([type], code));
      else if (type !== 'Patient' && compartment.otherTypes === 'open') open.push(type);
    }
    if (open.length > 0) {
      const o = inList(open);
      ors.push({ text: `r.type ${o.text}`, args: o.args });
    }
    if (pids.length > 0) {
      const p = inList(pids);
      ors.push({
        text: `r.rid IN (SELECT rid FROM idx_reference WHERE param_id ${p.text} AND target_id ${targets.text} AND target_type = ?)`,
        args: [...p.args, ...targets.args, compartment.resourceType],
      });
      return { text: `(${ors.map((o) => o.text).join(' OR ')})`, args: ors.flatMap((o) => o.args), drives: ors.length === 1 };
    }
  }
  if (ors.length === 0) return { text: '0', args: [] };
  return { text: `(${ors.map((o) => o.text).join(' OR ')})`, args: ors.flatMap((o) => o.args) };
}
