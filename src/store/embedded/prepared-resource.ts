import type { Resource } from '@medplum/fhirtypes';
import type { IndexRows } from './search/index-writer';
import { writeJson } from '../../kernel/json/write-json';

/**
 * A resource made ready for the writer by the caller of the store: its index rows are extracted and its
 * JSON text is written, all but the two meta fields the writer assigns. So the writer (a worker thread, by
 * default) neither walks nor serialises resources: it splices versionId and lastUpdated into the text.
 *
 * The stored text is `head` + `"versionId":"…","lastUpdated":"…"}` + `tail`, i.e. the resource with
 * resourceType, id and meta first and meta's other fields kept. It is exactly writeJson of its own
 * readJson, which reads rely on (VersionRecord.json); numbers keep their text as written.
 */
export interface PreparedResource {
  resourceType: string;
  id: string;
  head: string;
  tail: string;
  rows: IndexRows;
}

export function prepareResource(resource: Resource & { id: string }, indexRows: (r: Resource) => IndexRows): PreparedResource {
  const { resourceType, id, meta, ...rest } = resource;
  const { versionId: _versionId, lastUpdated: _lastUpdated, ...otherMeta } = meta ?? {};
  const metaText = writeJson(otherMeta);
  const restText = writeJson(rest);
  return {
    resourceType,
    id,
    head: `{"resourceType":${JSON.stringify(resourceType)},"id":${JSON.stringify(id)},"meta":${metaText === '{}' ? '{' : `${metaText.slice(0, -1)},`}`,
    tail: restText === '{}' ? '}' : `,${restText.slice(1)}`,
    rows: indexRows(resource),
  };
}

/** The stored JSON text of a prepared resource at a version. */
export function storedText(prepared: PreparedResource, versionId: string, lastUpdated: string): string {
  return `${prepared.head}"versionId":${JSON.stringify(versionId)},"lastUpdated":${JSON.stringify(lastUpdated)}}${prepared.tail}`;
}
