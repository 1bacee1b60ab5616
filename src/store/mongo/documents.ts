import type { Resource } from '@medplum/fhirtypes';
import type { VersionRecord } from '../store';
import type { SearchKeys } from './search-keys';
import { readJson } from '../../kernel/json/read-json';

/**
 * `versions`: every version ever written, immutable. `_id` is `Type/id/version`, so the unique `_id` index
 * lets exactly one writer insert each version number: the atomic conflict detector on MongoDB and FerretDB.
 * Content is the JSON text, so a resource round-trips byte for byte whatever its keys or numbers are.
 */
export interface VersionDoc {
  _id: string;
  type: string;
  id: string;
  version: number;
  /** Epoch milliseconds. */
  lastUpdated: number;
  deleted: boolean;
  method: VersionRecord['method'];
  content: string | null;
}

/** `resources`: the current version of each logical resource (`_id` `Type/id`) with its search keys. */
export interface ResourceDoc extends VersionDoc, SearchKeys {}

export const versionKey = (type: string, id: string, version: number) => `${type}/${id}/${version}`;
export const resourceKey = (type: string, id: string) => `${type}/${id}`;

/** What reads fetch: everything but the search keys (rg and cp only when a filter checks candidates in process). */
export const RECORD_PROJECTION = { k: 0, s: 0, so: 0, rg: 0, cp: 0 } as const;

export function toRecord(doc: VersionDoc): VersionRecord {
  const record: VersionRecord = {
    resourceType: doc.type,
    id: doc.id,
    versionId: String(doc.version),
    lastUpdated: new Date(doc.lastUpdated).toISOString(),
    deleted: doc.deleted,
    method: doc.method,
  };
  if (doc.content !== null) record.resource = readJson(doc.content) as Resource;
  return record;
}

/** The MongoDB duplicate-key error (E11000), as both MongoDB and FerretDB report it. */
export function isDuplicateKey(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;
}
