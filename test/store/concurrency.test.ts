import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Observation, Patient } from '@medplum/fhirtypes';
import { FhirError } from '../../src/kernel/errors';
import { openEmbeddedStore, type EmbeddedStore } from '../../src/store/embedded/embedded-store';
import { nullSearchIndex } from '../../src/store/embedded/null-search-index';

const run = promisify(execFile);

describe('concurrent writers', () => {
  let dir: string;
  let store: EmbeddedStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lucarne-concurrency-'));
    store = openEmbeddedStore({ dataDir: dir, index: nullSearchIndex });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lets exactly one If-Match update win per version, round after round, losing none', async () => {
    await store.create({ resourceType: 'Patient', id: 'p' });
    const rounds = 20;
    const writers = 25;
    const winners: string[] = [];
    for (let round = 1; round <= rounds; round++) {
      const results = await Promise.all(
        Array.from({ length: writers }, (_, w) =>
          store
            .update({ resourceType: 'Patient', id: 'p', name: [{ text: `r${round}w${w}` }] }, { ifMatch: String(round) })
            .then(
              ({ record }) => ({ ok: true as const, record }),
              (err: unknown) => ({ ok: false as const, status: err instanceof FhirError ? err.status : -1 }),
            ),
        ),
      );
      const won = results.filter((r) => r.ok);
      expect(won).toHaveLength(1);
      expect(results.filter((r) => !r.ok && r.status === 412)).toHaveLength(writers - 1);
      const record = won[0].ok ? won[0].record : undefined;
      expect(record?.versionId).toBe(String(round + 1));
      winners.push((record?.resource as Patient).name![0].text!);
    }
    const history = await store.history({ resourceType: 'Patient', id: 'p', count: 100, offset: 0 });
    expect(history.total).toBe(rounds + 1);
    expect(history.entries.slice(0, rounds).map((e) => (e.resource as Patient).name![0].text).reverse()).toEqual(winners);
  });

  it('gives unconditional parallel updates consecutive versions, none lost', async () => {
    const updates = await Promise.all(
      Array.from({ length: 50 }, (_, i) => store.update({ resourceType: 'Patient', id: 'q', name: [{ text: `u${i}` }] })),
    );
    expect(updates.map((u) => Number(u.record.versionId)).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    expect((await store.history({ resourceType: 'Patient', id: 'q', count: 0, offset: 0 })).total).toBe(50);
  });

  it('never loses an update when two OS processes write the same database file', async () => {
    const iterations = 150;
    const startAt = Date.now() + 2000;
    const child = (name: string) =>
      run(process.execPath, ['--import', 'tsx', join(__dirname, 'concurrent-writer.ts'), dir, String(startAt), String(iterations), name], {
        cwd: join(__dirname, '..', '..'),
        timeout: 45_000,
        killSignal: 'SIGKILL',
      });
    const outputs = await Promise.all([child('a'), child('b')]);
    const stats = outputs.map((o) => JSON.parse(o.stdout) as { conflicts: number });
    const counter = await store.read('Observation', 'counter');
    // Every increment is a read-modify-write guarded by If-Match: a lost update would leave the counter short.
    expect((counter?.resource as Observation).valueInteger).toBe(2 * iterations);
    expect(counter?.versionId).toBe(String(2 * iterations));
    const log = await store.read('Observation', 'log');
    expect(log?.versionId).toBe(String(2 * iterations));
    expect((await store.history({ resourceType: 'Observation', id: 'log', count: 0, offset: 0 })).total).toBe(2 * iterations);
    // Both processes really contended (each saw the other's writes at least once).
    expect(stats[0].conflicts + stats[1].conflicts).toBeGreaterThan(0);
  }, 60_000);
});
