import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../kernel/clock';
import { MemoryStateStore } from './memory-state-store';
import { SqliteStateStore } from './sqlite-state-store';
import type { StateStore } from './state-store';

/** The StateStore contract, on the in-memory store and on the durable SQLite file. */
let now = Date.parse('2026-12-04T10:00:00Z');
const clock: Clock = { now: () => new Date(now) };
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'lucarne-state-'));
  dirs.push(dir);
  return dir;
};

describe.each([
  ['memory', () => new MemoryStateStore(clock)],
  ['sqlite', () => new SqliteStateStore(tempDir(), clock)],
] as [string, () => StateStore][])('%s state store', (_name, open) => {
  let store: StateStore;
  beforeEach(() => {
    store = open();
  });
  afterEach(() => store.close());

  it('gives exactly one of many concurrent inserts of a key', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.insert('code', 'k', { i })));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await store.get('code', 'k')).toEqual({ i: results.indexOf(true) });
  });

  it('hides expired entries everywhere, and lets an insert take an expired key', async () => {
    expect(await store.insert('jti', 'a', { n: 1 }, now + 1000)).toBe(true);
    expect(await store.insert('jti', 'a', { n: 2 }, now + 1000)).toBe(false);
    now += 1000;
    expect(await store.get('jti', 'a')).toBeUndefined();
    expect(await store.list('jti')).toEqual([]);
    expect(await store.delete('jti', 'a')).toBe(false);
    expect(await store.insert('jti', 'a', { n: 3 })).toBe(true);
    expect(await store.get('jti', 'a')).toEqual({ n: 3 });
  });

  it('puts, lists in key order, deletes and keeps spaces apart', async () => {
    await store.put('client', 'b', { name: 'B', nested: { list: [1, 'x', null] } });
    await store.put('client', 'a', { name: 'A' }, now + 60_000);
    await store.put('other', 'a', { name: 'other' });
    expect(await store.list('client')).toEqual([
      { key: 'a', value: { name: 'A' }, expiresAt: now + 60_000 },
      { key: 'b', value: { name: 'B', nested: { list: [1, 'x', null] } } },
    ]);
    await store.put('client', 'b', { name: 'B2' });
    expect(await store.get('client', 'b')).toEqual({ name: 'B2' });
    expect(await store.delete('client', 'b')).toBe(true);
    expect(await store.delete('client', 'b')).toBe(false);
    expect(await store.get('other', 'a')).toEqual({ name: 'other' });
  });
});

describe('the SQLite state file', () => {
  it('is shared by two stores on one folder (the server and the CLI) and survives reopening', async () => {
    const dir = tempDir();
    const a = new SqliteStateStore(dir, clock);
    const b = new SqliteStateStore(dir, clock);
    expect(await a.insert('code', 'c1', { user: 'u' })).toBe(true);
    expect(await b.insert('code', 'c1', { user: 'v' })).toBe(false);
    expect(await b.get('code', 'c1')).toEqual({ user: 'u' });
    await a.close();
    await a.close();
    await b.close();
    const reopened = new SqliteStateStore(dir, clock);
    expect(await reopened.get('code', 'c1')).toEqual({ user: 'u' });
    await reopened.close();
  });
});
