import { randomBytes } from 'node:crypto';

/** Injected source of server-assigned logical ids. */
export interface IdGenerator {
  next(): string;
}

/**
 * Time-ordered UUIDs (RFC 9562 version 7): 48 bits of Unix milliseconds, then a 12-bit counter, then 62
 * random bits. Ids made later sort later, also within one millisecond (the counter; on overflow the
 * timestamp moves on by one). Why not random (version 4) UUIDs: every index keyed by id (resources by type
 * and id, references by target id) then receives new keys at one end instead of at random pages, so a
 * Bundle dirties far fewer pages. The time in the id is no secret: meta.lastUpdated says the same.
 */
export function timeOrderedIds(now: () => number = Date.now): IdGenerator {
  let lastMs = 0;
  let counter = 0;
  const pool = { bytes: Buffer.alloc(0), offset: 0 };
  const random = (n: number): Buffer => {
    if (pool.offset + n > pool.bytes.length) {
      pool.bytes = randomBytes(4096);
      pool.offset = 0;
    }
    pool.offset += n;
    return pool.bytes.subarray(pool.offset - n, pool.offset);
  };
  return {
    next() {
      let ms = now();
      if (ms > lastMs) {
        lastMs = ms;
        counter = random(2).readUInt16BE(0) & 0x3ff; // start low in the 12 bits: room to count up
      } else {
        ms = lastMs;
        if (++counter > 0xfff) {
          ms = ++lastMs;
          counter = 0;
        }
      }
      const bytes = Buffer.alloc(16);
      bytes.writeUIntBE(ms, 0, 6);
      bytes[6] = 0x70 | (counter >> 8);
      bytes[7] = counter & 0xff;
      random(8).copy(bytes, 8);
      bytes[8] = 0x80 | (bytes[8] & 0x3f);
      const hex = bytes.toString('hex');
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    },
  };
}

export const uuidGenerator: IdGenerator = timeOrderedIds();

export function sequentialIds(prefix = 'id'): IdGenerator {
  let n = 0;
  return { next: () => `${prefix}${++n}` };
}
