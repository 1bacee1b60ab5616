import type { Binary, Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { FhirError, badRequest, issue, tooLarge } from '../../kernel/errors';
import { MAX_JSON_DEPTH, readJson } from '../../kernel/json/read-json';
import type { FhirRequest } from '../rest/fhir-request';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);

/** One Bundle entry turned into a request, before identities are resolved and references rewritten. */
export interface PlannedEntry {
  /** Position in the submitted Bundle (responses keep this order). */
  index: number;
  method: FhirRequest['method'];
  /** The entry's request.url as sent, for diagnostics. */
  url: string;
  /** Relative to the FHIR base, no leading slash, without the query. */
  path: string;
  query: URLSearchParams;
  fullUrl?: string;
  /** entry.resource itself (not a copy): reference rewriting changes it in place. */
  resource?: Resource;
  /** The request body handed to the handler (the resource, or the decoded JSON Patch of a Binary). */
  body?: unknown;
  headers: Record<string, string | undefined>;
}

export interface BundlePlan {
  type: 'batch' | 'transaction';
  /** Every entry, in submitted order (a rejected batch entry is a placeholder). */
  entries: PlannedEntry[];
  /** Batch entries refused by the envelope checks, by index: they answer their error and do not run. */
  rejected: Map<number, FhirError>;
}

/** Names the entry in every issue, as clients need to know which entry of their Bundle failed. */
export function entryLabel(entry: Pick<PlannedEntry, 'index' | 'method' | 'url'>): string {
  return `Bundle.entry[${entry.index}] (${entry.method} ${entry.url})`;
}

function entryProblem(index: number, message: string): FhirError {
  return new FhirError(400, [issue('invalid', `Bundle.entry[${index}]: ${message}`, `Bundle.entry[${index}]`)]);
}

/** Splits an entry's request.url into a base-relative path and a query; absolute URLs must be on our base. */
export function splitEntryUrl(url: string, baseUrl: string, index: number): { path: string; query: URLSearchParams } {
  let rest = url.trim();
  const base = baseUrl.replace(/\/+$/, '');
  if (/^[a-z][a-z0-9+.-]*:/i.test(rest)) {
    if (!rest.startsWith(base + '/')) throw entryProblem(index, `request.url "${url}" is not on this server`);
    rest = rest.slice(base.length + 1);
  }
  rest = rest.replace(/^\/+/, '');
  const q = rest.indexOf('?');
  const path = q < 0 ? rest : rest.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : rest.slice(q + 1));
  if (path.split('/').some((segment) => segment === '..' || segment === '.')) {
    throw entryProblem(index, `request.url "${url}" is not a FHIR URL`);
  }
  return { path, query };
}

/** The body of a PATCH entry: JSON Patch travels as a Binary, FHIRPath Patch as Parameters. */
function patchBody(resource: Resource, index: number): { body: unknown; contentType: string } {
  if (resource.resourceType === 'Parameters') return { body: resource, contentType: 'application/fhir+json' };
  if (resource.resourceType === 'Binary') {
    const binary = resource as Binary;
    if (binary.contentType !== 'application/json-patch+json' || !binary.data) {
      throw entryProblem(index, 'a PATCH Binary must hold application/json-patch+json data');
    }
    // This JSON did not go through the HTTP body reader: read it as strictly (nesting, duplicate keys, exact numbers).
    let body: unknown;
    try {
      body = readJson(Buffer.from(binary.data, 'base64').toString('utf8'), { strict: true, maxDepth: MAX_JSON_DEPTH });
    } catch (err) {
      throw entryProblem(index, `the PATCH Binary does not hold valid JSON (${err instanceof FhirError ? err.message : 'unreadable'})`);
    }
    return { body, contentType: binary.contentType };
  }
  throw entryProblem(index, 'a PATCH resource must be a Parameters (FHIRPath Patch) or a Binary (JSON Patch)');
}

function planEntry(raw: BundleEntry, index: number, baseUrl: string, prefer: string | undefined): PlannedEntry {
  if (typeof raw !== 'object' || raw === null) throw entryProblem(index, 'an entry must be an object');
  const request = raw.request;
  if (!request || typeof request !== 'object') throw entryProblem(index, 'request is required');
  const method = request.method as string | undefined;
  if (typeof method !== 'string' || !METHODS.has(method)) throw entryProblem(index, `request.method must be one of ${[...METHODS].join(', ')}`);
  if (typeof request.url !== 'string' || request.url.trim() === '') throw entryProblem(index, 'request.url is required');
  const { path, query } = splitEntryUrl(request.url, baseUrl, index);
  if (path === '') throw entryProblem(index, 'a Bundle entry cannot address the server base (nested batch/transaction)');
  const resource = raw.resource;
  if ((method === 'POST' || method === 'PUT' || method === 'PATCH') && (typeof resource !== 'object' || resource === null)) {
    throw entryProblem(index, `resource is required for ${method}`);
  }
  if (raw.fullUrl !== undefined && typeof raw.fullUrl !== 'string') throw entryProblem(index, 'fullUrl must be a string');
  const headers: Record<string, string | undefined> = {
    'content-type': 'application/fhir+json',
    prefer,
    'if-none-exist': request.ifNoneExist,
    'if-match': request.ifMatch,
    'if-none-match': request.ifNoneMatch,
    'if-modified-since': request.ifModifiedSince,
  };
  const entry: PlannedEntry = { index, method: method as PlannedEntry['method'], url: request.url, path, query, fullUrl: raw.fullUrl, headers };
  if (resource && method !== 'GET' && method !== 'HEAD' && method !== 'DELETE') {
    // No copy (a structuredClone per entry was ~4% of the server's ingest CPU): the Bundle is the request body,
    // parsed for this request only, and nothing reads it after planning (responses are built from what the
    // store returns; batch and transaction runners read the plan). In-process callers that reuse their
    // Bundle object pass a copy (see localTarget in src/cli/import-target.ts).
    entry.resource = resource;
    if (method === 'PATCH') {
      const { body, contentType } = patchBody(entry.resource, index);
      entry.body = body;
      headers['content-type'] = contentType;
    } else entry.body = entry.resource;
  }
  return entry;
}

/**
 * Checks the Bundle envelope and turns each entry into a request. Throws 400 before anything is written,
 * 413 when the Bundle has more than `maxEntries` entries.
 * The plan takes over the Bundle: its entries' resources are used, and later rewritten, in place.
 */
export function planBundle(body: unknown, baseUrl: string, prefer?: string, maxEntries = Number.POSITIVE_INFINITY): BundlePlan {
  const bundle = body as Bundle;
  if (typeof body !== 'object' || body === null || bundle.resourceType !== 'Bundle') {
    throw badRequest('POST to the server base expects a Bundle of type batch or transaction', 'Bundle');
  }
  if (bundle.type !== 'batch' && bundle.type !== 'transaction') {
    throw badRequest(`Bundle.type must be batch or transaction, not "${String(bundle.type)}"`, 'Bundle.type');
  }
  if (bundle.entry !== undefined && !Array.isArray(bundle.entry)) throw badRequest('Bundle.entry must be an array', 'Bundle.entry');
  if ((bundle.entry?.length ?? 0) > maxEntries) {
    throw tooLarge(`The Bundle has ${bundle.entry?.length} entries, at most ${maxEntries} are accepted (maxBundleEntries); split it`);
  }
  const rejected = new Map<number, FhirError>();
  const entries = (bundle.entry ?? []).map((raw, index) => {
    try {
      return planEntry(raw, index, baseUrl, prefer);
    } catch (e) {
      if (bundle.type === 'transaction' || !(e instanceof FhirError)) throw e;
      rejected.set(index, e);
      const url = typeof raw?.request?.url === 'string' ? raw.request.url : '';
      return { index, method: 'GET', url, path: '', query: new URLSearchParams(), headers: {} } satisfies PlannedEntry;
    }
  });
  const seen = new Map<string, number>();
  for (const entry of entries) {
    if (!entry.fullUrl) continue;
    const first = seen.get(entry.fullUrl);
    if (first !== undefined) {
      throw new FhirError(400, [
        issue('invalid', `Bundle.entry[${entry.index}]: fullUrl "${entry.fullUrl}" is also the fullUrl of Bundle.entry[${first}]`, `Bundle.entry[${entry.index}].fullUrl`),
      ]);
    }
    seen.set(entry.fullUrl, entry.index);
  }
  return { type: bundle.type, entries, rejected };
}

const ORDER: Record<PlannedEntry['method'], number> = { DELETE: 0, POST: 1, PUT: 2, PATCH: 2, GET: 3, HEAD: 3 };

/** R4 transaction processing order: DELETE, then POST, then PUT/PATCH, then GET/HEAD; stable within a group. */
export function transactionOrder(entries: PlannedEntry[]): PlannedEntry[] {
  return [...entries].sort((a, b) => ORDER[a.method] - ORDER[b.method] || a.index - b.index);
}
