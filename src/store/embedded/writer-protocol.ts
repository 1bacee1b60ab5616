import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { FhirError } from '../../kernel/errors';
import type { VersionRecord } from '../store';
import { attachStoredJson } from './stored-json';
import { isAborted, markAborted, type Writer } from './writer';
import { writeJson } from '../../kernel/json/write-json';

/**
 * Messages between the store and its writer thread. The store sends batches of calls, the thread answers
 * each batch with a batch of replies, in order. Records travel as their stored JSON text (never as parsed
 * resources: structured cloning them would cost more than the write itself) and are rebuilt on arrival.
 */
export type WriterOp = Exclude<keyof Writer, 'failure'>;
export type Call = [seq: number, op: WriterOp, args: unknown[]];
export type Reply = [seq: number, ok: true, value: unknown] | [seq: number, ok: false, error: WireError];

export interface WireError {
  message: string;
  name?: string;
  code?: string;
  fhir?: { status: number; issues: OperationOutcomeIssue[]; headers: Record<string, string> };
  aborted?: boolean;
}

type WireRecord = [type: string, id: string, versionId: string, lastUpdated: string, deleted: boolean, method: VersionRecord['method'], json: string | null];

function encodeRecord(record: VersionRecord): WireRecord {
  const json = record.json ?? (record.resource ? writeJson(record.resource) : null);
  return [record.resourceType, record.id, record.versionId, record.lastUpdated, record.deleted, record.method, json];
}

function decodeRecord([resourceType, id, versionId, lastUpdated, deleted, method, json]: WireRecord): VersionRecord {
  const record: VersionRecord = { resourceType, id, versionId, lastUpdated, deleted, method };
  return json === null ? record : attachStoredJson(record, json);
}

/** The value of a call with `each` applied to every record it holds, in the same shape. */
function mapRecords<A, B>(op: WriterOp, value: unknown, each: (record: A) => B): unknown {
  if (value === undefined || value === null) return value;
  switch (op) {
    case 'create':
    case 'delete':
    case 'read':
    case 'vread':
      return each(value as A);
    case 'update': {
      const { record, created } = value as { record: A; created: boolean };
      return { record: each(record), created };
    }
    case 'history': {
      const page = value as { entries: A[] };
      return { ...page, entries: page.entries.map(each) };
    }
    case 'search': {
      const result = value as { entries: A[]; included: A[] };
      return { ...result, entries: result.entries.map(each), included: result.included.map(each) };
    }
    default:
      return value;
  }
}

/** The value of a call as it crosses the thread boundary, and back. */
export function encodeResult(op: WriterOp, value: unknown): unknown {
  return mapRecords(op, value, encodeRecord);
}

export function decodeResult(op: WriterOp, value: unknown): unknown {
  return mapRecords(op, value, decodeRecord);
}

export function encodeError(error: unknown): WireError {
  const wire: WireError = { message: error instanceof Error ? error.message : String(error) };
  if (error instanceof Error) wire.name = error.name;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') wire.code = code;
  if (error instanceof FhirError) wire.fhir = { status: error.status, issues: error.issues, headers: error.headers };
  if (isAborted(error)) wire.aborted = true;
  return wire;
}

export function decodeError(wire: WireError): Error {
  let error: Error;
  if (wire.fhir) {
    error = new FhirError(wire.fhir.status, wire.fhir.issues, wire.fhir.headers);
  } else {
    error = new Error(wire.message);
    if (wire.name) error.name = wire.name;
    if (wire.code) (error as Error & { code?: string }).code = wire.code;
  }
  if (wire.aborted) markAborted(error);
  return error;
}
