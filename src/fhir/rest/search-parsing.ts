import type { SearchRequest } from '../search/search-request';
import { parseSearchRequest } from '../search/parse-search';
import { badRequest, FhirError, issue } from '../../kernel/errors';
import type { FhirStore, VersionRecord } from '../../store/store';
import { CURSOR_PARAM } from './page-token';
import type { ServerContext } from './server-context';

export interface ParsedSearch {
  request: SearchRequest;
  /** Parameters the parser did not know (ignored unless strict handling). */
  unknown: string[];
}

/** Parses a search for one type, or (type undefined) for the types of `_type`, with the server's paging limits. */
export function parseSearch(ctx: ServerContext, type: string | undefined, query: URLSearchParams): ParsedSearch {
  return parseSearchRequest(ctx.definitions, type, query, {
    baseUrl: ctx.config.baseUrl,
    defaultCount: ctx.config.defaultPageSize,
    maxCount: ctx.config.maxPageSize,
    terminology: ctx.terminology,
  });
}

/**
 * Parameters that shape a result (order, page, includes, subset) rather than select resources: meaningless
 * in conditional criteria, and a sort only makes the match slower. `_format`/`_pretty` may ride along on the
 * URL of a conditional update or delete and are ignored.
 */
const RESULT_ONLY = new Set([
  '_sort', '_count', '_offset', '_total', '_include', '_revinclude', '_summary', '_elements', '_contained', '_containedType', CURSOR_PARAM,
]);

/**
 * The current resources of `type` matching conditional criteria (If-None-Exist, conditional update, delete and
 * patch, transaction entries), read through `store` so a transaction sees its own earlier writes: at most
 * `limit` (callers that only tell none, one or several ask for 2), in no particular order.
 * Unknown parameters, result parameters and criteria that select nothing specific are refused: ignoring
 * them could match far more than the client meant.
 */
export async function matchCriteria(
  ctx: ServerContext,
  store: FhirStore,
  type: string,
  criteria: string | URLSearchParams,
  limit: number,
): Promise<VersionRecord[]> {
  const query =
    typeof criteria === 'string' ? new URLSearchParams(criteria.startsWith('?') ? criteria.slice(1) : criteria) : criteria;
  if ([...query.keys()].length === 0) throw badRequest('Conditional criteria are empty');
  const resultOnly = [...new Set([...query.keys()].filter((k) => RESULT_ONLY.has(k.split(':')[0])))];
  if (resultOnly.length > 0) {
    throw badRequest(`Conditional criteria cannot use result parameters: ${resultOnly.join(', ')}`, resultOnly);
  }
  const { request, unknown } = parseSearch(ctx, type, query);
  if (unknown.length > 0) {
    throw new FhirError(400, [issue('not-supported', `Unknown search parameter(s) in criteria: ${unknown.join(', ')}`)]);
  }
  if (request.filters.length === 0) throw badRequest(`Conditional criteria for ${type} select nothing specific`);
  const result = await store.search({ ...request, sort: [], count: limit, offset: 0, total: 'none' });
  return result.entries;
}
