import type { Resource } from '@medplum/fhirtypes';
import type { VersionRecord } from '../../store/store';

/** `W/"n"` for a version. */
export function weakEtag(versionId: string): string {
  return `W/"${versionId}"`;
}

/** The versionId named by an If-Match / If-None-Match value (`W/"3"`, `"3"` or `3`), or undefined. */
export function parseEtag(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const m = /^\s*(?:W\/)?"?([^"\s]*)"?\s*$/.exec(value);
  return m && m[1] !== '' ? m[1] : undefined;
}

/** RFC 7231 HTTP-date of an ISO instant. */
export function httpDate(instant: string): string {
  return new Date(instant).toUTCString();
}

/** ETag and Last-Modified of a version. */
export function versionHeaders(record: VersionRecord): Record<string, string> {
  return { ETag: weakEtag(record.versionId), 'Last-Modified': httpDate(record.lastUpdated) };
}

/** A copy of the resource without the server-assigned meta fields (client values are ignored). */
export function withoutServerMeta<T extends Resource>(resource: T): T {
  if (!resource.meta) return resource;
  const meta = { ...resource.meta };
  delete meta.versionId;
  delete meta.lastUpdated;
  const copy = { ...resource };
  if (Object.keys(meta).length === 0) delete copy.meta;
  else copy.meta = meta;
  return copy;
}

/** R4 id: 1-64 of [A-Za-z0-9-.]. */
export const ID_PATTERN = /^[A-Za-z0-9\-.]{1,64}$/;
