import type { FhirStore, VersionRecord } from '../../store/store';
import { matchCriteria } from '../rest/search-parsing';
import type { ServerContext } from '../rest/server-context';

/** Current resources matching conditional criteria; at most two: callers only need "none, one or several". */
export function findMatches(
  ctx: ServerContext,
  store: FhirStore,
  resourceType: string,
  criteria: URLSearchParams,
): Promise<VersionRecord[]> {
  return matchCriteria(ctx, store, resourceType, criteria, 2);
}
