/**
 * Benchmark of the imaging record operations at about 1,000,000 resources. It works on a COPY of the search
 * benchmark's cached database (bench/search/build-dataset.ts; the copy is made once, next to it) and adds a
 * person known under two linked identities with 50 generated exams (orders, studies, reports, dose
 * summaries), then times $imaging-record (first page of 20 studies, and all 50) and $dose-summary in process,
 * including JSON serialisation. Prints p50/p99; never fails.
 *
 *   npx tsx bench/imaging/run.ts [--source <dir of the cached search DB>] [--iterations 200]
 */
import { NO_AUDIT } from '../../src/kernel/audit-sink';
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync } from 'node:fs';
import { MemoryStateStore } from '../../src/store/state/memory-state-store';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { BundleEntry, Resource } from '@medplum/fhirtypes';
import type { LucarneConfig } from '../../src/config/config';
import { loadDefinitions } from '../../src/fhir/conformance/definitions';
import { OPEN_ACCESS } from '../../src/fhir/rest/access-policy';
import type { ServerContext } from '../../src/fhir/rest/server-context';
import { createValidator } from '../../src/fhir/validation/create-validator';
import { doseSummary } from '../../src/imaging/dose-summary';
import { imagingRecord } from '../../src/imaging/imaging-record';
import { systemClock } from '../../src/kernel/clock';
import { sequentialIds } from '../../src/kernel/id-generator';
import { silentLogger } from '../../src/kernel/logger';
import { databaseFileName, openEmbeddedStore } from '../../src/store/embedded/embedded-store';
import { createEmbeddedSearchIndex } from '../../src/store/embedded/search/embedded-search-index';
import type { FhirStore } from '../../src/store/store';
import { Dataset } from '../generate/dataset';
import { patientRecordEntries } from '../generate/patient-record';
import { Prng } from '../generate/prng';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const CACHE = join(homedir(), '.cache', 'lucarne', 'bench');
const SEED = 20240611;

function sourceDir(): string {
  const given = arg('source', '');
  if (given) return given;
  const found = readdirSync(CACHE).filter((d) => /^search-p10000-/.test(d) && existsSync(join(CACHE, d, databaseFileName)));
  if (found.length === 0) throw new Error('No cached 1M search database: run bench/search first');
  return join(CACHE, found[0]);
}

/** The copy the benchmark writes into, made once (the search benchmark's cache stays untouched). */
function workingCopy(source: string): string {
  const dir = join(CACHE, 'imaging-copy');
  if (!existsSync(join(dir, databaseFileName))) {
    mkdirSync(dir, { recursive: true });
    console.log(`Copying ${source} (a few GB) ...`);
    copyFileSync(join(source, databaseFileName), join(dir, `${databaseFileName}.partial`));
    renameSync(join(dir, `${databaseFileName}.partial`), join(dir, databaseFileName));
  }
  return dir;
}

/** Generated records (30 + 20 visits) with ids assigned, urn:uuid references rewritten, identity 2 linked to 1. */
function benchPerson(): Resource[] {
  const dataset = new Dataset({ seed: SEED });
  const prng = new Prng(0xbe7c4);
  const out: Resource[] = [];
  let n = 0;
  for (const [identity, visits] of [[1, 30], [2, 20]] as const) {
    const entries: BundleEntry[] = patientRecordEntries(prng, dataset.facilities, { encounters: [visits, visits], conditional: false });
    const ids = new Map<string, string>();
    for (const e of entries) ids.set(e.fullUrl!, e.resource!.resourceType === 'Patient' ? `bench-imaging-${identity}` : `bench-imaging-r${n++}`);
    const text = JSON.stringify(entries.map((e) => e.resource)).replace(/"urn:uuid:[0-9a-f-]+"/g, (m) => {
      const url = m.slice(1, -1);
      const entry = entries.find((e) => e.fullUrl === url)!;
      return JSON.stringify(`${entry.resource!.resourceType}/${ids.get(url)}`);
    });
    const resources = JSON.parse(text) as Resource[];
    resources.forEach((r, i) => (r.id = ids.get(entries[i].fullUrl!)));
    if (identity === 2) {
      const p = resources.find((r) => r.resourceType === 'Patient') as Resource & { link?: unknown[] };
      p.link = [{ other: { reference: 'Patient/bench-imaging-1' }, type: 'seealso' }];
    }
    out.push(...resources);
  }
  return out;
}

async function addPerson(store: FhirStore): Promise<void> {
  if (await store.read('Patient', 'bench-imaging-1')) return;
  const resources = benchPerson();
  await store.transaction(async (tx) => {
    for (const r of resources) await tx.create(r as Resource & { id: string });
  });
  const counts: Record<string, number> = {};
  for (const r of resources) counts[r.resourceType] = (counts[r.resourceType] ?? 0) + 1;
  console.log(`Added the bench person: ${JSON.stringify(counts)}`);
}

async function time(label: string, iterations: number, fn: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 10; i++) await fn();
  const ms: number[] = [];
  let size = 0;
  for (let i = 0; i < iterations; i++) {
    const t = process.hrtime.bigint();
    size = JSON.stringify(await fn()).length;
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  ms.sort((a, b) => a - b);
  const p = (q: number) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))].toFixed(2);
  console.log(`${label.padEnd(44)} p50 ${p(0.5)} ms  p99 ${p(0.99)} ms  (${iterations} runs, ${(size / 1024).toFixed(0)} KiB)`);
}

async function main(): Promise<void> {
  const dataDir = workingCopy(sourceDir());
  const definitions = loadDefinitions();
  const store = openEmbeddedStore({ dataDir, index: createEmbeddedSearchIndex(definitions), durability: 'normal' });
  await addPerson(store);
  const config = { baseUrl: 'http://127.0.0.1/fhir', defaultPageSize: 20, maxPageSize: 1000 } as LucarneConfig;
  const ctx: ServerContext = { config, definitions, store, state: new MemoryStateStore(), audit: NO_AUDIT, access: OPEN_ACCESS, validator: createValidator(definitions), ids: sequentialIds('b'), clock: systemClock, logger: silentLogger() };
  const iterations = Number(arg('iterations', '200'));
  const first = await imagingRecord(ctx, store, { patientId: 'bench-imaging-1', modality: [], count: 20, offset: 0 });
  const all = await imagingRecord(ctx, store, { patientId: 'bench-imaging-1', modality: [], count: 50, offset: 0 });
  console.log(`Record: ${all.total} studies, ${all.entry?.length} entries for 50 per page; first page ${first.entry?.length} entries`);
  await time('$imaging-record (20 studies/page)', iterations, () => imagingRecord(ctx, store, { patientId: 'bench-imaging-1', modality: [], count: 20, offset: 0 }));
  await time('$imaging-record (all 50 studies)', iterations, () => imagingRecord(ctx, store, { patientId: 'bench-imaging-1', modality: [], count: 50, offset: 0 }));
  await time('$imaging-record modality=CT', iterations, () => imagingRecord(ctx, store, { patientId: 'bench-imaging-1', modality: ['CT'], count: 20, offset: 0 }));
  await time('$dose-summary', iterations, () => doseSummary(ctx, store, 'bench-imaging-1'));
  await store.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
