/**
 * The store's write path alone (no HTTP, no validation) with the real search index, over the ingest data set:
 * each patient transaction Bundle written as one store transaction (urn:uuid references rewritten first).
 * Prints resources/s, and how much of it is extraction versus SQLite. Used by store.bench.ts --dataset.
 * BENCH_GROUP=n writes n Bundles per store transaction (what group commit does under concurrent clients).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { loadDefinitions } from '../src/fhir/conformance/definitions';
import { openEmbeddedStore, type Durability } from '../src/store/embedded/embedded-store';
import { createEmbeddedSearchIndex } from '../src/store/embedded/search/embedded-search-index';
import { Dataset } from './generate/dataset';

type Stored = Resource & { id: string };

function bundlesOf(patients: number): Stored[][] {
  let n = 0;
  const out: Stored[][] = [];
  for (const bundle of new Dataset({ patients }).patientBundles()) {
    const ids = new Map<string, string>();
    for (const e of bundle.entry ?? []) ids.set(e.fullUrl as string, `${e.resource?.resourceType}/r${n++}`);
    const json = JSON.stringify((bundle.entry ?? []).map((e) => ({ ...e.resource, id: ids.get(e.fullUrl as string)?.split('/')[1] })));
    out.push(JSON.parse(json.replace(/"urn:uuid:[0-9a-f-]+"/g, (m) => JSON.stringify(ids.get(m.slice(1, -1)) ?? m.slice(1, -1)))));
  }
  return out;
}

/** Bytes this process caused to be written to storage (Linux), 0 elsewhere. */
function writtenBytes(): number {
  try {
    return Number(/write_bytes: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

export async function runDataset(patients: number, durability: Durability): Promise<void> {
  const definitions = loadDefinitions();
  const bundles = bundlesOf(patients);
  const total = bundles.reduce((s, b) => s + b.length, 0);
  const index = createEmbeddedSearchIndex(definitions, { baseUrl: 'http://localhost:8080/fhir' });
  let extractMs = 0;
  let rows = 0;
  for (const b of bundles) {
    const t = performance.now();
    for (const r of b) rows += index.extractor.extract(r).length;
    extractMs += performance.now() - t;
  }
  const dir = mkdtempSync(join(tmpdir(), 'lucarne-bench-'));
  const store = openEmbeddedStore({ dataDir: dir, index, durability });
  try {
    const io0 = writtenBytes();
    const cpu0 = process.cpuUsage();
    const t = performance.now();
    const group = Number(process.env.BENCH_GROUP ?? 1);
    for (let i = 0; i < bundles.length; i += group) {
      await store.transaction(async (tx) => {
        for (const b of bundles.slice(i, i + group)) for (const r of b) await tx.create(r);
      });
    }
    const seconds = (performance.now() - t) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const mib = (writtenBytes() - io0) / 2 ** 20;
    console.log(
      `dataset, real index, durability=${durability}: ${total} resources (${rows} index rows) in ${bundles.length} transactions: ` +
        `${(total / seconds).toFixed(0)} resources/s; extraction alone ${(extractMs * 1000 / total).toFixed(1)} µs/resource ` +
        `(${((extractMs / 1000 / seconds) * 100).toFixed(0)} % of the time); CPU ${((cpu.user + cpu.system) / total).toFixed(0)} µs/resource ` +
        `(system ${(cpu.system / total).toFixed(0)}), ${mib.toFixed(0)} MiB written`,
    );
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
