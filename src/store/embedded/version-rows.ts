import { badRequest } from '../../kernel/errors';
import type { VersionRecord } from '../store';
import { attachStoredJson } from './stored-json';

/** A version as selected from the versions table joined with resources (for the logical id). */
export interface VersionRow {
  rid: number;
  type: string;
  id: string;
  version: number;
  last_updated: number;
  deleted: number;
  method: VersionRecord['method'];
  content: string | null;
}

/** The columns every version-returning query selects, in VersionRow's shape (`r` resources, `v` versions). */
export const versionColumns =
  'v.rid AS rid, r.type AS type, r.id AS id, v.version AS version, v.last_updated AS last_updated, ' +
  'v.deleted AS deleted, v.method AS method, v.content AS content';

export function toRecord(row: VersionRow): VersionRecord {
  const record: VersionRecord = {
    resourceType: row.type,
    id: row.id,
    versionId: String(row.version),
    lastUpdated: new Date(row.last_updated).toISOString(),
    deleted: row.deleted === 1,
    method: row.method,
  };
  return row.content === null ? record : attachStoredJson(record, row.content);
}

/** Parses a FHIR instant given to the store; the REST layer validates formats, this only guards the SQL. */
export function instantToMillis(value: string, what: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw badRequest(`${what} is not a valid instant: ${value}`);
  return ms;
}
