/**
 * JSON reader and writer throughput against the native JSON.parse / JSON.stringify, on a ~10 MB transaction
 * Bundle made of R4 examples (Patient, Observation, ImagingStudy, DiagnosticReport, Claim, Medication...,
 * their decimals included, e.g. 12.80 style trailing zeros), repeated. Best of 7 runs each, MB/s of text.
 * Run: npx tsx bench/json/parse-throughput.ts
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readJson } from '../../src/kernel/json/read-json';
import { writeJson } from '../../src/kernel/json/write-json';

const TYPES = ['Patient', 'ImagingStudy', 'ServiceRequest', 'DiagnosticReport', 'Observation', 'Claim', 'Medication', 'MedicationRequest'];
const dir = dirname(require.resolve('hl7.fhir.r4.examples/package.json'));
const texts = readdirSync(dir)
  .filter((f) => TYPES.some((t) => f.startsWith(`${t}-`)) && f.endsWith('.json'))
  // Compact, as clients send it; writeJson(readJson(...)) keeps the examples' number texts.
  .map((f) => writeJson(readJson(readFileSync(join(dir, f), 'utf8'))));

const entries: string[] = [];
let size = 0;
for (let i = 0; size < 10 * 1024 * 1024; i++) {
  const text = texts[i % texts.length];
  const type = /"resourceType":"(\w+)"/.exec(text)![1];
  const entry = `{"fullUrl":"urn:uuid:e-${i}","resource":${text},"request":{"method":"POST","url":"${type}"}}`;
  entries.push(entry);
  size += entry.length;
}
const bundle = `{"resourceType":"Bundle","type":"transaction","entry":[${entries.join(',')}]}`;
const mb = Buffer.byteLength(bundle) / 1e6;

function best(label: string, run: () => unknown): number {
  let min = Infinity;
  for (let i = 0; i < 7; i++) {
    const t0 = process.hrtime.bigint();
    run();
    min = Math.min(min, Number(process.hrtime.bigint() - t0) / 1e6);
  }
  console.log(`${label.padEnd(34)} ${min.toFixed(1).padStart(7)} ms  ${(mb / (min / 1000)).toFixed(0).padStart(5)} MB/s`);
  return min;
}

const exact = (bundle.match(/[:,[]\s*-?\d+\.\d*0[,}\]]/g) ?? []).length;
console.log(`Bundle: ${mb.toFixed(1)} MB, ${entries.length} entries, ${exact} numbers with trailing zeros`);
const native = best('JSON.parse', () => JSON.parse(bundle));
const stored = best('readJson (stored text)', () => readJson(bundle));
const strict = best('readJson strict (request body)', () => readJson(bundle, { strict: true, maxDepth: 100 }));
const tree = readJson(bundle);
const plainTree = JSON.parse(bundle) as unknown;
const stringify = best('JSON.stringify', () => JSON.stringify(plainTree));
const write = best('writeJson (exact numbers)', () => writeJson(tree));
console.log(`reader/JSON.parse: stored ${(stored / native).toFixed(2)}x, strict ${(strict / native).toFixed(2)}x; writer/JSON.stringify ${(write / stringify).toFixed(2)}x`);
