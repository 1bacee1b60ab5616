/**
 * Search-index extraction speed: µs per resource over the R4 examples of the types Lucarne serves most
 * (Patient, ImagingStudy, ServiceRequest, DiagnosticReport, Observation, Endpoint).
 * Run: npx tsx bench/search-extract.bench.ts
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { loadDefinitions } from '../src/fhir/conformance/definitions';
import { createExtractor } from '../src/fhir/search/extract';

const TYPES = ['Patient', 'ImagingStudy', 'ServiceRequest', 'DiagnosticReport', 'Observation', 'Endpoint'];
const dir = dirname(require.resolve('hl7.fhir.r4.examples/package.json'));
const resources: Resource[] = readdirSync(dir)
  .filter((f) => TYPES.some((t) => f.startsWith(t + '-')) && f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Resource)
  .filter((r) => TYPES.includes(r.resourceType));

const definitions = loadDefinitions();
const extractor = createExtractor(definitions, { baseUrl: 'http://localhost:8080/fhir' });

let t0 = process.hrtime.bigint();
for (const t of TYPES) extractor.compiled(t);
const compileMs = Number(process.hrtime.bigint() - t0) / 1e6;

let entries = 0;
for (let i = 0; i < 200; i++) for (const r of resources) entries += extractor.extract(r).length; // warm-up
const rounds = 2000;
entries = 0;
t0 = process.hrtime.bigint();
for (let i = 0; i < rounds; i++) for (const r of resources) entries += extractor.extract(r).length;
const us = Number(process.hrtime.bigint() - t0) / 1e3 / (rounds * resources.length);

const perType = TYPES.map((type) => {
  const some = resources.filter((r) => r.resourceType === type);
  const start = process.hrtime.bigint();
  for (let i = 0; i < 1000; i++) for (const r of some) extractor.extract(r);
  return `${type} ${(Number(process.hrtime.bigint() - start) / 1e3 / (1000 * some.length)).toFixed(1)} µs (${some.length})`;
});

console.log(`compile (6 types): ${compileMs.toFixed(1)} ms`);
console.log(`resources: ${resources.length} R4 examples, ${(entries / (rounds * resources.length)).toFixed(1)} entries each`);
console.log(`extraction: ${us.toFixed(1)} µs/resource (${Math.round(1e6 / us)} resources/s on one core)`);
console.log(perType.join('\n'));

// Index writes alone (extraction + SQL inserts, no resources row), batched in transactions like an import.
import('../src/store/embedded/search/search-test-db').then(({ openSearchTestDb }) => {
  const t = openSearchTestDb(definitions);
  const n = 20000;
  const write = (from: number) =>
    t.db.transaction(() => {
      for (let j = from; j < from + 500; j++) {
        const r = resources[j % resources.length];
        t.index.write(t.db, j + 1, r.resourceType, t.index.indexRows(r));
      }
    })();
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i += 500) write(i);
  const perResource = Number(process.hrtime.bigint() - start) / 1e3 / n;
  const rows = ['idx_string', 'idx_token', 'idx_reference', 'idx_date', 'idx_number', 'idx_quantity', 'idx_uri']
    .map((table) => (t.db.prepare(`SELECT COUNT(*) AS c FROM ${table}`).get() as { c: number }).c)
    .reduce((a, b) => a + b, 0);
  console.log(`index write (extraction + delete + insert): ${perResource.toFixed(1)} µs/resource, ${(rows / n).toFixed(1)} rows each`);
  t.close();
});
