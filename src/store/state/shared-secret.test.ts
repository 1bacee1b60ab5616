import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodePageToken, encodePageToken, usePageTokenKey } from '../../fhir/rest/page-token';
import { systemClock } from '../../kernel/clock';
import { sharedSecret } from './shared-secret';
import { SqliteStateStore } from './sqlite-state-store';

describe('sharedSecret', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lucarne-shared-secret-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is the same for every process on one state store, and across restarts', async () => {
    const a = new SqliteStateStore(dir, systemClock);
    const b = new SqliteStateStore(dir, systemClock);
    const [x, y] = await Promise.all([sharedSecret(a, 'page-token-key'), sharedSecret(b, 'page-token-key')]);
    expect(x.equals(y)).toBe(true);
    expect(x.length).toBe(32);
    await Promise.all([a.close(), b.close()]);
    const restarted = new SqliteStateStore(dir, systemClock);
    expect((await sharedSecret(restarted, 'page-token-key')).equals(x)).toBe(true);
    expect((await sharedSecret(restarted, 'other')).equals(x)).toBe(false);
    await restarted.close();
  });

  it('signs page links that a process holding the same key follows, and no other', async () => {
    const store = new SqliteStateStore(dir, systemClock);
    const key = await sharedSecret(store, 'page-token-key');
    const cursor = { keys: ['2024-01-01', 'abc'], after: true };
    usePageTokenKey(key);
    const token = encodePageToken(cursor, 'Patient?name=a');
    usePageTokenKey(Buffer.alloc(32, 7));
    expect(() => decodePageToken(token, 'Patient?name=a')).toThrow();
    usePageTokenKey(key);
    expect(decodePageToken(token, 'Patient?name=a')).toEqual(cursor);
    await store.close();
  });
});
