import type { Resource } from '@medplum/fhirtypes';

/**
 * A transport-neutral FHIR request: what the HTTP adapter (src/http) builds from an Express request, and
 * what the Bundle processor builds from each entry. `path` is relative to the FHIR base, without leading
 * slash, e.g. "Patient/123/_history/2" or "Patient/$validate"; the query is already split.
 */
export interface FhirRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query: URLSearchParams;
  /** Lower-case header names. */
  headers: Record<string, string | undefined>;
  /** Parsed JSON body (a Resource, a JSON Patch array, Parameters...), undefined when none. */
  body?: unknown;
}

export interface FhirResponse {
  status: number;
  /** Header names as sent (ETag, Location, Last-Modified, Content-Location...). */
  headers: Record<string, string>;
  body?: Resource;
  /**
   * Optional: `body` already serialised as compact JSON (exactly `JSON.stringify(body)`), e.g. the stored text
   * of a read. The HTTP adapter sends it as is unless _pretty asks for indentation.
   */
  rawBody?: string;
  /** Optional: the UTF-8 byte length of `rawBody`, when its writer counted it. */
  rawBodyBytes?: number;
}
