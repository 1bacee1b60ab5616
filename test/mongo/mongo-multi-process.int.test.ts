import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Observation } from '@medplum/fhirtypes';
import type { MongoStore } from '../../src/store/mongo/mongo-store';
import { describeMongo, dropTestStore, mongoUrl, openTestStore } from './mongo-test-env';

const run = promisify(execFile);

describeMongo('two processes on one MongoDB database', () => {
  let store: MongoStore;
  beforeAll(async () => {
    store = await openTestStore('multiproc');
  });
  afterAll(() => dropTestStore(store));

  it('concurrent If-Match updates of one resource: exactly one winner per version, no version lost', async () => {
    await store.create({ resourceType: 'Observation', id: 'counter', status: 'final', code: { text: 'start' }, valueInteger: 0 });
    const iterations = 15;
    const startAt = Date.now() + 2500; // both children connected and waiting by then
    const child = (name: string) =>
      run(process.execPath, [require.resolve('tsx/cli'), join(__dirname, 'mongo-writer.ts'), mongoUrl!, store.db.databaseName,
        String(startAt), String(iterations), name], { timeout: 60_000 });
    const outputs = await Promise.all([child('A'), child('B')]);
    const results = outputs.map((o) => JSON.parse(o.stdout) as { won: { version: string; value: number }[]; conflicts: number });
    const won = results.flatMap((r) => r.won);
    const total = 2 * iterations;
    // Every version 2..31 was won exactly once, and the winner's value is the one stored in that version.
    expect(won.map((w) => Number(w.version)).sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i + 2));
    for (const w of won) expect(w.value).toBe(Number(w.version) - 1);
    const current = await store.read('Observation', 'counter');
    expect(current?.versionId).toBe(String(total + 1));
    expect((current?.resource as Observation).valueInteger).toBe(total);
    const history = await store.history({ resourceType: 'Observation', id: 'counter', count: 100, offset: 0 });
    expect(history.total).toBe(total + 1);
    expect(history.entries.map((e) => (e.resource as Observation).valueInteger)).toEqual(
      Array.from({ length: total + 1 }, (_, i) => total - i),
    );
    expect(results.every((r) => r.won.length === iterations)).toBe(true);
    // The processes really raced (otherwise the test proves nothing about conflicts).
    expect(results.reduce((n, r) => n + r.conflicts, 0)).toBeGreaterThan(0);
  }, 60_000);
});
