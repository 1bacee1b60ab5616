/**
 * Micro-benchmark of the embedded store alone (no HTTP): creates per second in transactions of 100 and one
 * by one, and read-by-id throughput and latency. Run: npx tsx bench/store.bench.ts [resources]
 * `--dataset [patients]`: the ingest data set with the real search index instead (bench/store-dataset.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Observation } from '@medplum/fhirtypes';
import { openEmbeddedStore, type Durability } from '../src/store/embedded/embedded-store';
import { nullSearchIndex } from '../src/store/embedded/null-search-index';
import { runDataset } from './store-dataset';

const total = Number(process.argv[2]?.startsWith('--') ? 50_000 : process.argv[2] ?? 50_000);

function observation(i: number): Observation & { id: string } {
  return {
    resourceType: 'Observation', id: `obs-${i}`, status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }], text: 'Heart rate' },
    subject: { reference: `Patient/pat-${i % 1000}` },
    effectiveDateTime: new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString(),
    valueQuantity: { value: 60 + (i % 40), unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
  };
}

async function run(durability: Durability): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lucarne-bench-'));
  const store = openEmbeddedStore({ dataDir: dir, index: nullSearchIndex, durability });
  try {
    let t = performance.now();
    for (let start = 0; start < total; start += 100) {
      await store.transaction(async (tx) => {
        for (let i = start; i < Math.min(total, start + 100); i++) await tx.create(observation(i));
      });
    }
    const batched = total / ((performance.now() - t) / 1000);

    const singles = 2000;
    t = performance.now();
    for (let i = total; i < total + singles; i++) await store.create(observation(i));
    const single = singles / ((performance.now() - t) / 1000);

    const reads = 200_000;
    const latencies = new Float64Array(reads);
    t = performance.now();
    for (let n = 0; n < reads; n++) {
      const s = performance.now();
      const r = await store.read('Observation', `obs-${(n * 7919) % total}`);
      latencies[n] = performance.now() - s;
      if (!r) throw new Error('missing resource');
    }
    const readRate = reads / ((performance.now() - t) / 1000);
    latencies.sort();
    const p99 = latencies[Math.floor(reads * 0.99)] * 1000;
    console.log(
      `durability=${durability}: creates in tx of 100: ${batched.toFixed(0)}/s; single creates: ${single.toFixed(0)}/s; ` +
        `reads by id: ${readRate.toFixed(0)}/s (p99 ${p99.toFixed(1)} µs) over ${total} resources`,
    );
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (process.argv.includes('--dataset')) {
    const patients = Number(process.argv[process.argv.indexOf('--dataset') + 1] ?? 1000) || 1000;
    await runDataset(patients, 'full');
    return;
  }
  await run('full');
  await run('normal');
}

void main();
