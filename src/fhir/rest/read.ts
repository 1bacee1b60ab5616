import { FhirError, issue, notFound } from '../../kernel/errors';
import type { VersionRecord } from '../../store/store';
import { parseEtag, versionHeaders } from '../model/meta';
import type { FhirRequest, FhirResponse } from './fhir-request';
import { readResponse } from './resource-response';
import type { RouteHandler } from './router';
import { assertUrlId } from './write-body';

/** GET [type]/[id]: 404 unknown, 410 deleted (with the deletion's ETag), 304 under If-None-Match / If-Modified-Since. */
export const read: RouteHandler = async (ctx, request, { type, id }) => {
  assertUrlId(id);
  const record = await ctx.store.read(type, id);
  if (!record) throw notFound(`${type}/${id} is not known`);
  if (record.deleted) throw goneVersion(record);
  return notModified(request, record) ?? readResponse(ctx, request, record);
};

export function goneVersion(record: VersionRecord): FhirError {
  return new FhirError(
    410,
    [issue('deleted', `${record.resourceType}/${record.id} was deleted (version ${record.versionId})`)],
    versionHeaders(record),
  );
}

function notModified(request: FhirRequest, record: VersionRecord): FhirResponse | undefined {
  const ifNoneMatch = request.headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    const tags = ifNoneMatch.split(',').map((t) => t.trim());
    if (tags.includes('*') || tags.some((t) => parseEtag(t) === record.versionId)) {
      return { status: 304, headers: versionHeaders(record) };
    }
    return undefined;
  }
  const since = request.headers['if-modified-since'];
  if (since !== undefined) {
    const t = Date.parse(since);
    // HTTP dates have second precision.
    if (!Number.isNaN(t) && Math.floor(Date.parse(record.lastUpdated) / 1000) * 1000 <= t) {
      return { status: 304, headers: versionHeaders(record) };
    }
  }
  return undefined;
}
