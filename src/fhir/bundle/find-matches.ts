import { badRequest } from '../../kernel/errors';
import type { FhirStore, VersionRecord } from '../../store/store';
import { parseSearchRequest } from '../search/parse-search';
import type { ServerContext } from '../rest/server-context';

/**
 * Current resources of `resourceType` matching conditional criteria, read through `store` so that a
 * transaction sees its own earlier writes. At most two are fetched: callers only need "none, one or several".
 * Unknown parameters and empty criteria are refused: ignoring them would match resources the client never meant.
 */
export async function findMatches(
  ctx: ServerContext,
  store: FhirStore,
  resourceType: string,
  criteria: URLSearchParams,
): Promise<VersionRecord[]> {
  const { request, unknown } = parseSearchRequest(ctx.definitions, resourceType, criteria, { baseUrl: ctx.config.baseUrl });
  if (unknown.length > 0) throw badRequest(`Unknown search parameter(s) in conditional criteria: ${unknown.join(', ')}`);
  if (request.filters.length === 0) throw badRequest(`Conditional criteria for ${resourceType} select nothing specific`);
  const result = await store.search({ ...request, count: 2, offset: 0, total: 'none' });
  return result.entries;
}
