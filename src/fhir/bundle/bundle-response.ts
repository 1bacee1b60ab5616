import type { BundleEntry, BundleEntryResponse, OperationOutcome, Resource } from '@medplum/fhirtypes';
import type { FhirError } from '../../kernel/errors';
import type { FhirResponse } from '../rest/fhir-request';
import { RAW_SEARCHSET_START } from '../rest/search-bundle';
import { withRawMember } from '../../kernel/json/raw-member';

const REASONS: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  304: 'Not Modified',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  500: 'Internal Server Error',
  501: 'Not Implemented',
};

/** Bundle.entry.response.status: the HTTP status code, then its reason phrase ("201 Created"). */
export function statusLine(status: number): string {
  return REASONS[status] ? `${status} ${REASONS[status]}` : String(status);
}

function header(headers: Record<string, string>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  const key = Object.keys(headers).find((k) => k.toLowerCase() === wanted);
  return key === undefined ? undefined : headers[key];
}

function instant(httpDate: string | undefined, resource: Resource | undefined): string | undefined {
  if (resource?.meta?.lastUpdated) return resource.meta.lastUpdated;
  if (!httpDate) return undefined;
  const time = Date.parse(httpDate);
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}

/** The response entry of one successful interaction: status, location, etag, lastModified and the body. */
export function successEntry(response: FhirResponse, baseUrl: string): BundleEntry {
  if (response.rawBody?.startsWith(RAW_SEARCHSET_START)) return rawSearchsetEntry(response, response.rawBody);
  const body = response.body;
  const isOutcome = body?.resourceType === 'OperationOutcome';
  const entryResponse: BundleEntryResponse = { status: statusLine(response.status) };
  const location = header(response.headers, 'Location') ?? header(response.headers, 'Content-Location');
  const etag = header(response.headers, 'ETag');
  const lastModified = instant(header(response.headers, 'Last-Modified'), isOutcome ? undefined : body);
  if (location) entryResponse.location = location;
  if (etag) entryResponse.etag = etag;
  if (lastModified) entryResponse.lastModified = lastModified;
  if (body && isOutcome) {
    entryResponse.outcome = body;
    return { response: entryResponse };
  }
  if (!body) return { response: entryResponse };
  const fullUrl = body.id && body.resourceType !== 'Bundle' ? `${baseUrl.replace(/\/+$/, '')}/${body.resourceType}/${body.id}` : undefined;
  return { ...(fullUrl ? { fullUrl } : {}), resource: body, response: entryResponse };
}

/**
 * A search's entry keeps the searchset as the text it was written as: a batch of large searches is then
 * neither parsed nor re-serialised (about two thirds of its CPU), unless something reads the resource.
 * A searchset has no fullUrl, outcome or meta to look into.
 */
function rawSearchsetEntry(response: FhirResponse, text: string): BundleEntry {
  const entryResponse: BundleEntryResponse = { status: statusLine(response.status) };
  const etag = header(response.headers, 'ETag');
  const lastModified = instant(header(response.headers, 'Last-Modified'), undefined);
  if (etag) entryResponse.etag = etag;
  if (lastModified) entryResponse.lastModified = lastModified;
  const entry = withRawMember<BundleEntry>({}, 'resource', text);
  entry.response = entryResponse;
  return entry;
}

/** The response entry of a failed batch entry: its status and the OperationOutcome explaining it. */
export function failureEntry(error: FhirError): BundleEntry {
  const outcome: OperationOutcome = error.outcome;
  return { response: { status: statusLine(error.status), outcome } };
}
