import type { Readable } from 'node:stream';
import { TextDecoder } from 'node:util';
import { createBrotliDecompress, createGunzip, createInflate, type Gunzip } from 'node:zlib';
import { badRequest, tooLarge, unsupportedMediaType } from '../kernel/errors';
import { BodyBudgetScan, type ScanBudget } from '../kernel/json/body-budget-scan';

const DECODERS: Record<string, () => Gunzip | ReturnType<typeof createInflate> | ReturnType<typeof createBrotliDecompress>> = {
  gzip: createGunzip,
  'x-gzip': createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};

/** The decoder for a request's Content-Encoding, or 415 for one the server does not decode (or a chain). */
export function bodyDecoder(header: string | undefined): (() => Readable & NodeJS.WritableStream) | undefined {
  const coding = (header ?? '').trim().toLowerCase();
  if (coding === '' || coding === 'identity') return undefined;
  const decoder = DECODERS[coding];
  if (decoder === undefined) {
    throw unsupportedMediaType(`Content-Encoding '${coding.slice(0, 40)}' is not supported; send gzip, deflate, br or none`);
  }
  return decoder;
}

/**
 * Reads a request body as UTF-8 text, decoded when it came compressed, refusing with 413 as soon as the bytes
 * read or decoded pass `limit` (so a small compressed bomb stops at the limit). `onSize` hears the size so far
 * after each chunk and may refuse by throwing (the in-flight budget). A stream that is not what its
 * Content-Encoding says is a 400 that never echoes the bytes, and so are bytes that are not UTF-8. Each chunk
 * is checked and decoded as it arrives, so a body of megabytes is not one long step once complete; a leading
 * byte order mark is dropped. `budget` (JSON bodies): Bundle entries and values per resource, counted on each
 * chunk before it is decoded, so a body past them is refused (413) as soon as the chunk that passes arrives.
 */
export function readBodyText(
  req: Readable,
  limit: number,
  decoder?: () => Readable & NodeJS.WritableStream,
  onSize?: (bytes: number) => void,
  budget?: ScanBudget,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const utf8 = new TextDecoder('utf-8', { fatal: true });
    const counter = budget === undefined ? undefined : new BodyBudgetScan(budget);
    let text = '';
    let size = 0;
    let done = false;
    const fail = (err: unknown) => {
      if (done) return;
      done = true;
      text = '';
      reject(err);
    };
    const source: Readable = decoder ? req.pipe(decoder()) : req;
    if (decoder) {
      source.on('error', () => fail(badRequest('The body is not valid for its Content-Encoding')));
      req.on('error', fail);
    } else source.on('error', fail);
    source.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      let refusal: unknown;
      if (size > limit) refusal = tooLarge(`Request body over ${limit} bytes${decoder ? ' once decoded' : ''}`);
      else {
        try {
          onSize?.(size);
          counter?.feed(chunk);
          text += decodeUtf8(utf8, chunk);
        } catch (err) {
          refusal = err;
        }
      }
      if (refusal !== undefined) {
        fail(refusal);
        if (decoder) {
          req.unpipe();
          source.destroy();
          req.resume();
        }
        return;
      }
    });
    source.on('end', () => {
      if (done) return;
      try {
        text += decodeUtf8(utf8);
      } catch (err) {
        fail(err);
        return;
      }
      done = true;
      resolve(text);
    });
  });
}

/** The text of the next chunk (none: the end, where a cut-off sequence is an error); 400 on bytes that are not UTF-8. */
function decodeUtf8(utf8: TextDecoder, chunk?: Buffer): string {
  try {
    return chunk === undefined ? utf8.decode() : utf8.decode(chunk, { stream: true });
  } catch {
    throw badRequest('The body is not valid UTF-8');
  }
}
