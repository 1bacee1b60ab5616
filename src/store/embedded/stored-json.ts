import type { Resource } from '@medplum/fhirtypes';
import type { VersionRecord } from '../store';
import { readJson } from '../../kernel/json/read-json';

type WithText = VersionRecord & { json: string };

/** One shared accessor (no closure per record): parses `json` on first read, then becomes a plain value. */
const LAZY_RESOURCE: PropertyDescriptor = {
  enumerable: true,
  configurable: true,
  get(this: WithText): Resource {
    const resource = readJson(this.json) as Resource;
    Object.defineProperty(this, 'resource', { value: resource, enumerable: true, configurable: true, writable: true });
    return resource;
  },
  set(this: WithText, value: Resource | undefined) {
    Object.defineProperty(this, 'resource', { value, enumerable: true, configurable: true, writable: true });
  },
};

/**
 * Gives a record its stored JSON text: `record.json` (non-enumerable, so records still compare and spread
 * as plain data) and `record.resource`, parsed only when first read. A read answered from the text never
 * pays the parse; each record still parses its own copy, so callers never share objects.
 */
export function attachStoredJson(record: VersionRecord, text: string): VersionRecord {
  Object.defineProperty(record, 'json', { value: text });
  Object.defineProperty(record, 'resource', LAZY_RESOURCE);
  return record;
}
