import type Database from 'better-sqlite3';
import type { Definitions } from '../../../fhir/conformance/definitions';
import type { IncludeRule } from '../../../fhir/search/search-request';
import { inList } from './compile-value';
import type { ParamIds } from './param-ids';

/** Included resources per page: beyond it the page says so in a warning (R4 lets servers cap includes). */
export const MAX_INCLUDED = 1000;
/** Rounds of `:iterate` after the first one. */
export const MAX_ITERATE_DEPTH = 3;

type Prepare = (sql: string) => Database.Statement;

export interface IncludedRids {
  rids: number[];
  truncated: boolean;
}

/**
 * The rids that `_include`/`_revinclude` add to a page: one indexed join per rule and round, over the page's
 * rids passed as a JSON array (never one query per resource). `:iterate` rules run again over what the
 * previous round added, until nothing new or MAX_ITERATE_DEPTH rounds.
 */
export function findIncluded(
  definitions: Definitions, ids: ParamIds, prepare: Prepare,
  include: readonly IncludeRule[], revinclude: readonly IncludeRule[], page: readonly number[],
): IncludedRids {
  const seen = new Set(page);
  const out: number[] = [];
  let frontier = [...page];
  for (let round = 0; round <= MAX_ITERATE_DEPTH && frontier.length > 0; round++) {
    const next: number[] = [];
    const rules = [
      ...include.filter((r) => round === 0 || r.iterate).map((r) => ({ r, reverse: false })),
      ...revinclude.filter((r) => round === 0 || r.iterate).map((r) => ({ r, reverse: true })),
    ];
    for (const { r, reverse } of rules) {
      const pids = ruleParamIds(definitions, ids, r);
      if (pids.length === 0) continue;
      const room = MAX_INCLUDED - out.length + 1;
      const json = JSON.stringify(frontier);
      const head = reverse ? [...pids, json] : [json, ...pids];
      const rows = prepare(reverse ? revincludeSql(pids, r.targetType) : includeSql(pids, r.targetType))
        .raw(true)
        .all(...head, ...(r.targetType ? [r.targetType] : []), room + seen.size) as [number][];
      for (const [rid] of rows) {
        if (seen.has(rid)) continue;
        seen.add(rid);
        if (out.length === MAX_INCLUDED) return { rids: out, truncated: true };
        out.push(rid);
        next.push(rid);
      }
    }
    frontier = next;
  }
  return { rids: out, truncated: false };
}

function ruleParamIds(definitions: Definitions, ids: ParamIds, rule: IncludeRule): number[] {
  if (rule.code !== '*') return ids.lookup([rule.resourceType], rule.code);
  return definitions
    .searchParameters(rule.resourceType)
    .filter((p) => p.type === 'reference')
    .flatMap((p) => ids.lookup([rule.resourceType], p.code as string));
}

/** Targets of the page's references (the frontier rids are the referencing side). */
export function includeSql(pids: number[], targetType: string | undefined): string {
  const p = inList(pids);
  return (
    `SELECT DISTINCT t.rid FROM idx_reference f CROSS JOIN resources t ON t.type = f.target_type AND t.id = f.target_id ` +
    `WHERE f.rid IN (SELECT value FROM json_each(?)) AND f.param_id ${p.text} AND t.deleted = 0` +
    `${targetType ? ' AND t.type = ?' : ''} LIMIT ?`
  );
}

/** Resources whose reference parameter points at a frontier resource. */
export function revincludeSql(pids: number[], targetType: string | undefined): string {
  const p = inList(pids);
  return (
    `SELECT DISTINCT f.rid FROM resources s CROSS JOIN idx_reference f ON f.param_id ${p.text} ` +
    `AND f.target_id = s.id AND f.target_type = s.type WHERE s.rid IN (SELECT value FROM json_each(?))` +
    `${targetType ? ' AND s.type = ?' : ''} LIMIT ?`
  );
}
