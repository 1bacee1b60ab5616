/**
 * Micro-benchmark of the audit trail (no HTTP). Run: npx tsx bench/audit.bench.ts [events]
 *  (a) the journal: records/s and the latency record() adds to a request (until the record is durable:
 *      SQLite WAL, synchronous=FULL, group commit) for 1 to 256 concurrent requests;
 *  (b) $verify-chain: events/s walking a chain of [events] (default 100,000) AuditEvents in the embedded
 *      store with the real search index.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditEvent } from '@medplum/fhirtypes';
import { sequenceClaim } from '../src/audit/audit-mover';
import { balpAuditEvent } from '../src/audit/balp';
import { chained, EMPTY_CHAIN, type ChainLink } from '../src/audit/chain';
import { GroupCommitSink } from '../src/audit/group-commit-sink';
import { SqliteJournal } from '../src/audit/sqlite-journal';
import { verifyChain } from '../src/audit/verify-chain';
import { loadDefinitions } from '../src/fhir/conformance/definitions';
import type { AuditRecord } from '../src/kernel/audit-sink';
import { openEmbeddedStore } from '../src/store/embedded/embedded-store';
import { createEmbeddedSearchIndex } from '../src/store/embedded/search/embedded-search-index';

const BASE_URL = 'http://127.0.0.1/fhir';
const events = Number(process.argv[2] ?? 100_000);

function record(n: number): AuditRecord {
  return {
    kind: 'rest', event: n % 5 === 0 ? 'search-type' : 'read', action: n % 5 === 0 ? 'E' : 'R', status: 200,
    recorded: new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString(), requestId: `req-${n}`, remoteAddress: '10.0.0.1',
    clientId: 'viewer', tokenId: `jti-${n % 100}`, subject: `local:user${n % 50}`, fhirUser: `Practitioner/pr${n % 50}`,
    purposeOfUse: ['TREAT'], entities: [`Patient/p${n % 1000}`], patients: [`Patient/p${n % 1000}`],
    ...(n % 5 === 0 ? { query: `subject=Patient/p${n % 1000}&modality=CT` } : {}),
  };
}

const percentile = (sorted: Float64Array, p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

async function journalBench(): Promise<void> {
  for (const concurrency of [1, 16, 64, 256]) {
    const dir = mkdtempSync(join(tmpdir(), 'lucarne-audit-bench-'));
    const journal = new SqliteJournal(dir);
    const sink = new GroupCommitSink(journal);
    const perWorker = Math.max(50, Math.ceil(20_000 / concurrency));
    const latencies = new Float64Array(concurrency * perWorker);
    let next = 0;
    const t = performance.now();
    await Promise.all(Array.from({ length: concurrency }, async (_, w) => {
      for (let i = 0; i < perWorker; i++) {
        const s = performance.now();
        await sink.record(record(w * perWorker + i));
        latencies[next++] = performance.now() - s;
      }
    }));
    const seconds = (performance.now() - t) / 1000;
    latencies.sort();
    console.log(
      `journal, ${String(concurrency).padStart(3)} concurrent: ${(latencies.length / seconds).toFixed(0).padStart(6)} records/s; ` +
        `record() latency p50 ${percentile(latencies, 0.5).toFixed(2)} ms, p99 ${percentile(latencies, 0.99).toFixed(2)} ms`,
    );
    await sink.close();
    await journal.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function verifyBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lucarne-audit-bench-'));
  const store = openEmbeddedStore({ dataDir: dir, index: createEmbeddedSearchIndex(loadDefinitions(), { baseUrl: BASE_URL }), durability: 'normal' });
  try {
    let head: ChainLink = EMPTY_CHAIN;
    let t = performance.now();
    for (let start = 0; start < events; start += 1000) {
      await store.transaction(async (tx) => {
        for (let n = start; n < Math.min(events, start + 1000); n++) {
          const { event, link } = chained({ ...balpAuditEvent(record(n), { baseUrl: BASE_URL }), id: `bench-${n}` }, head);
          head = link;
          await tx.create(event as AuditEvent & { id: string }, { claims: [sequenceClaim(link.sequence)] });
        }
      });
    }
    console.log(`wrote ${events} chained AuditEvents in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    for (let run = 0; run < 2; run++) {
      t = performance.now();
      const result = await verifyChain(store);
      const seconds = (performance.now() - t) / 1000;
      if (!result.result || result.checked !== events) throw new Error(`chain did not verify: ${JSON.stringify(result)}`);
      console.log(`verify-chain (run ${run + 1}): ${result.checked} events in ${seconds.toFixed(2)} s = ${(result.checked / seconds).toFixed(0)} events/s`);
    }
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  await journalBench();
  await verifyBench();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
