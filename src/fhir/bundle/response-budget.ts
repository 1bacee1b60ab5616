import { FhirError, issue } from '../../kernel/errors';
import type { FhirResponse } from '../rest/fhir-request';
import type { PlannedEntry } from './bundle-plan';

/** What an entry adds around its resource: fullUrl, response status, location, etag, lastModified. */
const ENTRY_OVERHEAD = 256;

/**
 * The bytes a batch or transaction response may still take (config.maxBundleResponseBytes). Each entry's
 * response is measured once it is known; its JSON text is already there for reads and searches (rawBody),
 * so measuring costs no serialisation on the embedded store. A plain write (create, update, patch, delete)
 * answers at most the resource its request carried, which the request body limit already bounds: without
 * stored text it is not serialised just to be measured (that would tax every imported resource).
 */
export class ResponseBudget {
  private used = 0;

  constructor(readonly limit: number) {}

  /** Counts `response` against the budget; false when it would go past it (then nothing is counted). */
  take(entry: PlannedEntry, response: FhirResponse): boolean {
    const size = ENTRY_OVERHEAD + responseBytes(entry, response);
    if (this.used + size > this.limit) return false;
    this.used += size;
    return true;
  }

  /** Counts `response` whatever the budget says (an entry that was run and must be answered). */
  force(entry: PlannedEntry, response: FhirResponse): void {
    this.used += ENTRY_OVERHEAD + responseBytes(entry, response);
  }

  get exhausted(): boolean {
    return this.used >= this.limit;
  }
}

function responseBytes(entry: PlannedEntry, response: FhirResponse): number {
  if (response.rawBodyBytes !== undefined) return response.rawBodyBytes;
  if (response.rawBody !== undefined) return Buffer.byteLength(response.rawBody);
  if (response.body === undefined || isPlainWrite(entry)) return 0;
  return Buffer.byteLength(JSON.stringify(response.body));
}

/** A write to Type or Type/id (no operation, whose answer can be far larger than its request). */
function isPlainWrite(entry: PlannedEntry): boolean {
  return entry.method !== 'GET' && entry.method !== 'HEAD' && !entry.path.includes('$');
}

/** 413 too-costly: the response would go past maxBundleResponseBytes. */
export function responseTooLarge(limit: number, what: string): FhirError {
  return new FhirError(413, [
    issue('too-costly', `${what}: the Bundle response would exceed ${limit} bytes (maxBundleResponseBytes); ask for less per entry or split the Bundle`),
  ]);
}
