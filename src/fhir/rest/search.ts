import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { badRequest, FhirError, issue, operationOutcome } from '../../kernel/errors';
import type { FhirRequest, FhirResponse } from './fhir-request';
import { CURSOR_PARAM, decodePageToken, searchFingerprint } from './page-token';
import { rawSearchsetResponse, searchsetBundle, type SearchsetParts } from './search-bundle';
import { searchLinks, withoutParameters } from './search-links';
import type { RouteHandler } from './router';
import { parseSearch } from './search-parsing';
import type { RequestContext } from './request-context';
import type { ServerContext } from './server-context';
import { applySubsetting, parseSubsetting, type Subsetting } from './summary';
import { assertUrlId } from './write-body';

/** GET [type]?... and POST [type]/_search (form parameters merged with the query). */
export const typeSearch: RouteHandler = (ctx, request, { type }) =>
  runSearch(ctx, request, type, searchQuery(request), type);

/** GET ?_type=A,B&... and POST _search at the base. */
export const systemSearch: RouteHandler = (ctx, request) =>
  runSearch(ctx, request, undefined, searchQuery(request), '');

/** GET Patient/[id]/[type]: a type search restricted to the patient's compartment. */
export const compartmentSearch: RouteHandler = async (ctx, request, { type, id, target }) => {
  assertUrlId(id);
  if (type !== 'Patient') throw badRequest(`Only the Patient compartment is supported, not '${type}'`);
  const inCompartment = ctx.definitions.patientCompartment.resource?.some((r) => r.code === target && (r.param?.length ?? 0) > 0);
  if (!ctx.definitions.isResourceType(target) || !inCompartment) {
    throw badRequest(`'${target}' is not a resource type of the Patient compartment`);
  }
  return runSearch(ctx, request, target, searchQuery(request), `${type}/${id}/${target}`, { resourceType: type, id });
};

function searchQuery(request: FhirRequest): URLSearchParams {
  const query = new URLSearchParams(request.query);
  const body = request.body;
  if (body instanceof URLSearchParams) for (const [k, v] of body) query.append(k, v);
  else if (body !== undefined && request.method === 'POST') throw badRequest('POST _search takes application/x-www-form-urlencoded parameters');
  return query;
}

/** Prefer: handling=strict|lenient, else the operator's searchHandling (lenient unless configured). */
function strictHandling(ctx: ServerContext, request: FhirRequest): boolean {
  const preferred = /(?:^|[;,\s])handling\s*=\s*"?(strict|lenient)\b/i.exec(request.headers.prefer ?? '')?.[1];
  return (preferred?.toLowerCase() ?? ctx.config.searchHandling) === 'strict';
}

async function runSearch(
  ctx: RequestContext,
  request: FhirRequest,
  type: string | undefined,
  query: URLSearchParams,
  path: string,
  compartment?: { resourceType: string; id: string },
): Promise<FhirResponse> {
  const subsetting = parseSubsetting(query);
  const parsed = parseSearch(ctx, type, query);
  if (parsed.unknown.length > 0 && strictHandling(ctx, request)) {
    throw new FhirError(400, [issue('not-supported', `Unknown or unsupported search parameter(s): ${parsed.unknown.join(', ')}`)]);
  }
  // Links (self included) show only the parameters the search really used; ignored ones are named in the outcome.
  const used = withoutParameters(query, parsed.unknown);
  const searchRequest = { ...parsed.request };
  if (compartment) searchRequest.compartment = compartment;
  const fingerprint = searchFingerprint(path, used, ctx.caller.tokenId);
  const token = used.get(CURSOR_PARAM);
  if (token) searchRequest.cursor = decodePageToken(token, fingerprint);
  // Without _total, the total is given when it is cheap to know (as HAPI does); _total=none skips it.
  if (!query.has('_total')) searchRequest.total = 'estimate';
  if (subsetting.summary === 'count') {
    searchRequest.count = 0;
    searchRequest.total = 'accurate';
  }
  const result = await ctx.store.search(searchRequest);
  const issues: OperationOutcomeIssue[] = [
    ...parsed.unknown.map((p) => issue('not-supported', `Unknown or unsupported search parameter '${p}' was ignored`, undefined, 'warning')),
    ...(result.warnings ?? []).map((w) => issue('informational', w, undefined, 'warning')),
  ];
  const parts: SearchsetParts = {
    ...(result.total !== undefined ? { total: result.total } : {}),
    link: searchLinks(ctx, path, used, fingerprint, { count: searchRequest.count, offset: searchRequest.offset, result }),
    records: [
      ...result.entries.map((record) => ({ record, mode: 'match' as const })),
      ...result.included.map((record) => ({ record, mode: 'include' as const })),
    ],
    ...(issues.length > 0 ? { outcome: operationOutcome(issues) } : {}),
    fullUrl: (r) => `${ctx.config.baseUrl}/${r.resourceType}/${r.id}`,
  };
  if (isWhole(subsetting)) return rawSearchsetResponse(parts);
  return { status: 200, headers: {}, body: searchsetBundle(parts, (r) => applySubsetting(ctx.definitions, r.resource!, subsetting)) };
}

/** No _summary/_elements subset: entries are the stored resources as they are. */
function isWhole(subsetting: Subsetting): boolean {
  return (subsetting.summary === 'false' || subsetting.summary === 'count') && subsetting.elements === undefined;
}
