import { FhirError, issue } from '../../kernel/errors';
import type { FhirResponse } from '../rest/fhir-request';

/** What an entry adds around its resource: fullUrl, response status, location, etag, lastModified. */
const ENTRY_OVERHEAD = 256;

/**
 * The bytes a batch or transaction response may still take (config.maxBundleResponseBytes). Each entry's
 * response is measured once it is known; its JSON text is already there for reads and searches (rawBody),
 * so measuring costs no serialisation on the embedded store.
 */
export class ResponseBudget {
  private used = 0;

  constructor(readonly limit: number) {}

  /** Counts `response` against the budget; false when it would go past it (then nothing is counted). */
  take(response: FhirResponse): boolean {
    const size = ENTRY_OVERHEAD + responseBytes(response);
    if (this.used + size > this.limit) return false;
    this.used += size;
    return true;
  }

  /** Counts `bytes` whatever the budget says (an entry that was run and must be answered). */
  force(response: FhirResponse): void {
    this.used += ENTRY_OVERHEAD + responseBytes(response);
  }

  get exhausted(): boolean {
    return this.used >= this.limit;
  }
}

function responseBytes(response: FhirResponse): number {
  if (response.rawBody !== undefined) return Buffer.byteLength(response.rawBody);
  return response.body === undefined ? 0 : Buffer.byteLength(JSON.stringify(response.body));
}

/** 413 too-costly: the response would go past maxBundleResponseBytes. */
export function responseTooLarge(limit: number, what: string): FhirError {
  return new FhirError(413, [
    issue('too-costly', `${what}: the Bundle response would exceed ${limit} bytes (maxBundleResponseBytes); ask for less per entry or split the Bundle`),
  ]);
}
