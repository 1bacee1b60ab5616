import type { Bundle, BundleEntry, BundleLink, Resource } from '@medplum/fhirtypes';
import type { VersionRecord } from '../../store/store';
import type { FhirResponse } from './fhir-request';
import { readJson } from '../../kernel/json/read-json';
import { writeJson } from '../../kernel/json/write-json';

export interface SearchsetParts {
  total?: number;
  link: BundleLink[];
  /** Matches then includes, in page order. */
  records: { record: VersionRecord; mode: 'match' | 'include' }[];
  /** The search.mode=outcome entry's resource, when there is one. */
  outcome?: Resource;
  fullUrl(record: VersionRecord): string;
}

/**
 * The searchset Bundle as objects: each entry's resource is `resourceOf(record)` (the stored resource, or its
 * _summary/_elements subset). Key order is the one rawSearchset writes.
 */
export function searchsetBundle(parts: SearchsetParts, resourceOf: (record: VersionRecord) => Resource): Bundle {
  const entry: BundleEntry[] = parts.records.map(({ record, mode }) => ({
    fullUrl: parts.fullUrl(record),
    resource: resourceOf(record),
    search: { mode },
  }));
  if (parts.outcome) entry.push({ resource: parts.outcome, search: { mode: 'outcome' } });
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    ...(parts.total !== undefined ? { total: parts.total } : {}),
    link: parts.link,
    entry,
  };
}

/** How every rawSearchsetResponse text begins (a stored resource's text begins with its resourceType and id). */
export const RAW_SEARCHSET_START = '{"resourceType":"Bundle","type":"searchset"';

/**
 * The same Bundle as `JSON.stringify(searchsetBundle(parts, r => r.resource))`, written by concatenating the
 * stored JSON text of each record, so a page of whole resources is neither parsed nor re-serialised: at
 * 1M resources this parse + stringify was most of a search's CPU outside SQLite. A record without stored
 * text (MongoDB) is serialised from its resource. `body` is parsed from the text only if someone reads it
 * (_pretty, a search inside a batch Bundle).
 */
export function rawSearchsetResponse(parts: SearchsetParts): FhirResponse {
  let text = RAW_SEARCHSET_START;
  if (parts.total !== undefined) text += `,"total":${JSON.stringify(parts.total)}`;
  text += `,"link":${JSON.stringify(parts.link)},"entry":[`;
  // Measured piece by piece: the byte length of the finished text would flatten megabytes first.
  let bytes = Buffer.byteLength(text) + 2;
  let first = true;
  for (const { record, mode } of parts.records) {
    const json = record.json ?? writeJson(record.resource);
    const piece = `${first ? '' : ','}{"fullUrl":${JSON.stringify(parts.fullUrl(record))},"resource":${json},"search":{"mode":"${mode}"}}`;
    text += piece;
    bytes += Buffer.byteLength(piece);
    first = false;
  }
  if (parts.outcome) {
    const piece = `${first ? '' : ','}{"resource":${JSON.stringify(parts.outcome)},"search":{"mode":"outcome"}}`;
    text += piece;
    bytes += Buffer.byteLength(piece);
  }
  text += ']}';
  let body: Resource | undefined;
  let parsed = false;
  return {
    status: 200,
    headers: {},
    rawBody: text,
    rawBodyBytes: bytes,
    get body(): Resource | undefined {
      if (!parsed) {
        body = readJson(text) as Resource;
        parsed = true;
      }
      return body;
    },
    set body(value: Resource | undefined) {
      body = value;
      parsed = true;
    },
  };
}
