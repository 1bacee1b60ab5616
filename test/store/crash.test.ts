import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedStore } from '../../src/store/embedded/embedded-store';
import { nullSearchIndex } from '../../src/store/embedded/null-search-index';

const TX_SIZE = 20_000;
const BASELINE = 30;

interface RunOutcome {
  acked: string[];
  sawCommitted: boolean;
  killed: boolean;
}

/** Runs the child and SIGKILLs it as soon as a stdout line satisfies `killWhen` (never, if it never does). */
function runChild(writer: string, dataDir: string, run: number, killWhen: (line: string) => boolean, delayMs = 0): Promise<RunOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(__dirname, 'crash-child.ts'), dataDir, String(run), String(BASELINE), String(TX_SIZE), writer],
      { stdio: ['ignore', 'pipe', 'pipe'], cwd: join(__dirname, '..', '..') },
    );
    const outcome: RunOutcome = { acked: [], sawCommitted: false, killed: false };
    let buffer = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith('ack ')) outcome.acked.push(line.slice(4));
        if (line === 'committed') outcome.sawCommitted = true;
        if (!outcome.killed && killWhen(line)) {
          outcome.killed = true;
          const kill = () => child.kill('SIGKILL');
          if (delayMs > 0) setTimeout(kill, delayMs);
          else kill();
        }
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL' || code === 0) resolve(outcome);
      else reject(new Error(`child exited with ${code}: ${stderr}`));
    });
  });
}

// Acknowledged means flushed: on the event loop and in the writer thread, whose commits are flushed off-thread.
describe.each(['event loop', 'thread'])('crash safety (kill -9 of a real process), writer on the %s', (writer) => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lucarne-crash-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // Several kills on the same database, each at a different moment of the large transaction.
  const moments: Array<{ label: string; when: (line: string) => boolean; delayMs?: number }> = [
    { label: 'among the acknowledged single writes', when: (l) => l === `ack r0-b${BASELINE / 2}` },
    { label: 'early in the transaction', when: (l) => l === 'in-tx 1000' },
    { label: 'late in the transaction', when: (l) => l === 'in-tx 17000' },
    // COMMIT of this transaction takes some tens of ms (WAL writes and fsync): kills spread across it.
    ...[0, 8, 20, 35].map((delayMs) => ({
      label: `${delayMs} ms after COMMIT starts`, when: (l: string) => l === 'committing', delayMs,
    })),
    { label: 'never (a run that completes)', when: () => false },
  ];

  let expectedObservations = 0;
  const allAcked: string[] = [];
  let anchorVersion = 0;

  moments.forEach((moment, run) => {
    it(`keeps all or none of the transaction when killed ${moment.label}`, async () => {
      const outcome = await runChild(writer, dir, run, moment.when, moment.delayMs);
      allAcked.push(...outcome.acked);
      const store = openEmbeddedStore({ dataDir: dir, index: nullSearchIndex });
      try {
        for (const id of allAcked) expect((await store.read('Patient', id))?.versionId).toBe('1');
        const total = (await store.history({ resourceType: 'Observation', count: 0, offset: 0 })).total;
        const added = total - expectedObservations;
        expect([0, TX_SIZE]).toContain(added);
        if (process.env.CRASH_DEBUG) console.log(run, moment.label, added, outcome.acked.length);
        if (outcome.sawCommitted) expect(added).toBe(TX_SIZE);
        if (!outcome.killed) expect(outcome.sawCommitted).toBe(true);
        // The anchor update belongs to the same transaction: it is there exactly when the creates are.
        const anchor = await store.read('Patient', 'anchor');
        if (added === TX_SIZE) {
          anchorVersion += 1;
          expect(anchor?.resource).toMatchObject({ name: [{ text: `run ${run}` }] });
          expect((await store.read('Observation', `r${run}-o${TX_SIZE - 1}`))?.versionId).toBe('1');
        } else {
          expect(await store.read('Observation', `r${run}-o0`)).toBeUndefined();
        }
        expect(Number(anchor?.versionId ?? 0)).toBe(anchorVersion);
        expectedObservations = total;
      } finally {
        await store.close();
      }
    });
  });
});
