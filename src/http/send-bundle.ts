import { once } from 'node:events';
import type { Bundle } from '@medplum/fhirtypes';
import type { Response } from 'express';
import { writeJson } from '../kernel/json/write-json';
import { yieldToEventLoop } from '../kernel/yield-to-event-loop';
import { FHIR_JSON } from './send';

/** A Bundle with more entries than this is written entry by entry (see sendBundleStreamed). */
export const STREAMED_BUNDLE_ENTRIES = 64;

/** Bytes gathered before each socket write. */
const CHUNK_CHARS = 256 * 1024;

/** Whether a response body is a Bundle big enough to be written in pieces. */
export function isLargeBundle(body: unknown): body is Bundle {
  const bundle = body as Bundle | undefined;
  return bundle?.resourceType === 'Bundle' && Array.isArray(bundle.entry) && bundle.entry.length > STREAMED_BUNDLE_ENTRIES;
}

/**
 * Writes a large Bundle (a batch response of many searches, say) entry by entry, chunked, letting the event
 * loop serve other clients between chunks and waiting for the socket to drain: serialising tens of
 * megabytes in one call would hold every other request up for the whole time. The JSON is the same as
 * writeJson's but for the position of `entry`, written last.
 */
export async function sendBundleStreamed(res: Response, status: number, headers: Record<string, string>, bundle: Bundle): Promise<void> {
  res.status(status);
  for (const name in headers) res.setHeader(name, headers[name]);
  res.setHeader('Content-Type', FHIR_JSON);
  const { entry = [], ...envelope } = bundle;
  const head = writeJson(envelope);
  let chunk = `${head.slice(0, -1)}${head.length > 2 ? ',' : ''}"entry":[`;
  let started = performance.now();
  for (let i = 0; i < entry.length; i++) {
    chunk += (i > 0 ? ',' : '') + writeJson(entry[i]);
    if (chunk.length < CHUNK_CHARS) continue;
    if (res.destroyed) return;
    const flushed = res.write(chunk);
    chunk = '';
    if (!flushed) await Promise.race([once(res, 'drain'), once(res, 'close')]);
    else await yieldToEventLoop(started);
    started = performance.now();
  }
  if (!res.destroyed) res.end(`${chunk}]}`);
}
