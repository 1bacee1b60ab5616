import { Readable } from 'node:stream';
import { FhirError } from '../kernel/errors';
import { readBodyText } from './body-bytes';

const stream = (...chunks: Buffer[]) => Readable.from(chunks, { objectMode: false });

async function status(promise: Promise<string>): Promise<string | number> {
  try {
    return await promise;
  } catch (err) {
    if (err instanceof FhirError) return err.status;
    throw err;
  }
}

describe('readBodyText', () => {
  const text = '{"family":"Léa-Zoé 😀"}';
  const bytes = Buffer.from(text);

  it('decodes chunk by chunk, characters cut across chunks included, and drops a byte order mark', async () => {
    const at = bytes.indexOf(0xf0) + 2; // inside the 4-byte emoji
    expect(await readBodyText(stream(bytes.subarray(0, 4), bytes.subarray(4, at), bytes.subarray(at)), 1000)).toBe(text);
    expect(await readBodyText(stream(Buffer.from([0xef, 0xbb]), Buffer.concat([Buffer.from([0xbf]), bytes])), 1000)).toBe(text);
  });

  it('refuses bytes that are not UTF-8, in any chunk or cut off at the end (400), and bodies past the limit (413)', async () => {
    expect(await status(readBodyText(stream(bytes, Buffer.from([0xff, 0x41])), 1000))).toBe(400);
    expect(await status(readBodyText(stream(bytes, bytes.subarray(0, bytes.indexOf(0xf0) + 2)), 1000))).toBe(400);
    expect(await status(readBodyText(stream(bytes, bytes), bytes.length + 1))).toBe(413);
  });
});
