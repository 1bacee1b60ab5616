import type { SearchRequest } from '../fhir/search/search-request';
import { parseSearch } from '../fhir/rest/search-parsing';
import { SEARCH_LIMITS } from '../fhir/search/search-limits';
import type { ServerContext } from '../fhir/rest/server-context';
import type { FhirStore, VersionRecord } from '../store/store';
import { yieldToEventLoop } from '../kernel/yield-to-event-loop';

export type QueryParams = Record<string, string | string[] | undefined>;

/** Largest OR list sent in one query (the search limit); longer id lists are split into several queries. */
export const BATCH = SEARCH_LIMITS.maxOrValues;

/** A search request built through the public parser, so it is the same query a REST client would send. */
export function buildRequest(ctx: ServerContext, type: string, params: QueryParams): SearchRequest {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) q.append(k, one);
  }
  return parseSearch(ctx, type, q).request;
}

/**
 * Every match of a search, page after page (keyset cursors when the backend gives them), never all at once.
 * The event loop polls between pages, so that an operation over thousands of resources lets other clients in.
 */
export async function* streamSearch(store: FhirStore, request: SearchRequest, pageSize = 500): AsyncGenerator<VersionRecord> {
  let next: SearchRequest = { ...request, count: pageSize, offset: 0, total: 'none', include: undefined, revinclude: undefined };
  let started = 0;
  for (let pages = 0; ; pages++) {
    if (pages > 0) await yieldToEventLoop(started);
    started = performance.now();
    const page = await store.search(next);
    yield* page.entries;
    if (!page.hasMore) return;
    next = page.next ? { ...next, cursor: page.next } : { ...next, offset: next.offset + page.entries.length };
  }
}

/** All current resources whose reference parameter `code` points at one of `refs` (batched OR lists). */
export async function searchByRefs(
  ctx: ServerContext,
  store: FhirStore,
  type: string,
  code: string,
  refs: readonly string[],
  extra: QueryParams = {},
): Promise<VersionRecord[]> {
  const out: VersionRecord[] = [];
  for (let i = 0; i < refs.length; i += BATCH) {
    if (i > 0) await yieldToEventLoop();
    const request = buildRequest(ctx, type, { ...extra, [code]: refs.slice(i, i + BATCH).join(',') });
    for await (const r of streamSearch(store, request, 1000)) out.push(r);
  }
  return out;
}

/**
 * Current resources of `type` with the given ids (deleted and unknown ids are simply absent), by point reads:
 * an `_id` OR list of 20 measured 130 ms at a million resources on the embedded store, 20 reads well under 1 ms.
 */
export async function readMany(_ctx: ServerContext, store: FhirStore, type: string, ids: Iterable<string>): Promise<VersionRecord[]> {
  const records = await Promise.all([...new Set(ids)].map((id) => store.read(type, id)));
  return records.filter((r): r is VersionRecord => r !== undefined && !r.deleted);
}

/** `Type/id` of a local reference (relative, or absolute on this server's base), else undefined. */
export function localRef(ctx: ServerContext, reference: string | undefined): { type: string; id: string } | undefined {
  if (!reference) return undefined;
  let ref = reference;
  const base = `${ctx.config.baseUrl}/`;
  if (ref.startsWith(base)) ref = ref.slice(base.length);
  const m = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(ref);
  return m ? { type: m[1], id: m[2] } : undefined;
}

export function refsOfType(ctx: ServerContext, refs: ({ reference?: string } | undefined)[] | undefined, type: string): string[] {
  const out: string[] = [];
  for (const r of refs ?? []) {
    const l = localRef(ctx, r?.reference);
    if (l?.type === type) out.push(l.id);
  }
  return out;
}
