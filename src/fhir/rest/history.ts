import type { Bundle, BundleEntry } from '@medplum/fhirtypes';
import { badRequest } from '../../kernel/errors';
import type { FhirStore, VersionRecord } from '../../store/store';
import { weakEtag } from '../model/meta';
import type { FhirResponse } from './fhir-request';
import { pageLinks, pageOf } from './paging';
import type { RouteHandler } from './router';
import type { ServerContext } from './server-context';
import { assertUrlId } from './write-body';

const INSTANT = /^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?(Z|[+-][0-9]{2}:[0-9]{2}))?$/;

/** GET _history, [type]/_history and [type]/[id]/_history with _since, _at, _count and _offset paging. */
export const history: RouteHandler = async (ctx, request, { type, id }) => {
  if (id !== undefined) assertUrlId(id);
  const { count, offset } = pageOf(ctx, request.query);
  const since = instantParam(request.query, '_since');
  const at = instantParam(request.query, '_at');
  const page = await ctx.store.history({ resourceType: type, id, since, at, count, offset });
  const path = [type, id, '_history'].filter(Boolean).join('/');
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'history',
    total: page.total,
    link: pageLinks(ctx, path, request.query, { count, offset, hasMore: offset + page.entries.length < page.total }),
    entry: await Promise.all(page.entries.map(async (r) => historyEntry(ctx, r, await statusOf(ctx.store, r, page.entries)))),
  };
  return { status: 200, headers: {}, body: bundle } satisfies FhirResponse;
};

function instantParam(query: URLSearchParams, name: string): string | undefined {
  const raw = query.get(name);
  if (raw === null) return undefined;
  if (!INSTANT.test(raw) || Number.isNaN(Date.parse(raw))) throw badRequest(`Invalid ${name} '${raw.slice(0, 40)}': expected an instant`, name);
  return new Date(raw).toISOString();
}

/**
 * The status the client got for the write that made version `r`: 204 for a delete, 201 for a create (the first
 * version, or a PUT bringing a deleted resource back), else 200. The version before a PUT is looked for in
 * the page first, then read.
 */
async function statusOf(store: FhirStore, r: VersionRecord, page: readonly VersionRecord[]): Promise<string> {
  if (r.deleted) return '204';
  if (r.versionId === '1') return '201';
  if (r.method !== 'PUT') return '200';
  const previousId = String(Number(r.versionId) - 1);
  const previous =
    page.find((p) => p.versionId === previousId && p.id === r.id && p.resourceType === r.resourceType) ??
    (await store.vread(r.resourceType, r.id, previousId));
  return previous?.deleted ? '201' : '200';
}

function historyEntry(ctx: ServerContext, r: VersionRecord, status: string): BundleEntry {
  const fullUrl = `${ctx.config.baseUrl}/${r.resourceType}/${r.id}`;
  const entry: BundleEntry = {
    fullUrl,
    request: { method: r.method, url: r.method === 'POST' ? r.resourceType : `${r.resourceType}/${r.id}` },
    response: {
      status,
      etag: weakEtag(r.versionId),
      lastModified: r.lastUpdated,
    },
  };
  if (r.resource) entry.resource = r.resource;
  return entry;
}
