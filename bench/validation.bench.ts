/**
 * Micro-benchmark of the R4 validator on examples of the specification: prints microseconds per resource.
 * Run: npx tsx bench/validation.bench.ts
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDefinitions } from '../src/fhir/conformance/definitions';
import { createValidator } from '../src/fhir/validation/create-validator';

const EXAMPLES = join(require.resolve('hl7.fhir.r4.examples/package.json'), '..');
const FILES = [
  'Patient-example.json',
  'Observation-example.json',
  'Observation-blood-pressure.json',
  'ImagingStudy-example.json',
  'DiagnosticReport-f201.json',
  'DiagnosticReport-ultrasound.json',
];
const ITERATIONS = 20_000;

const started = performance.now();
const validator = createValidator(loadDefinitions());
console.log(`definitions + validator ready in ${(performance.now() - started).toFixed(0)} ms`);

for (const file of FILES) {
  const resource: unknown = JSON.parse(readFileSync(join(EXAMPLES, file), 'utf8'));
  const first = performance.now();
  const issues = validator.validate(resource);
  const firstMs = performance.now() - first;
  for (let i = 0; i < 2_000; i++) validator.validate(resource);
  const t0 = performance.now();
  for (let i = 0; i < ITERATIONS; i++) validator.validate(resource);
  const us = ((performance.now() - t0) * 1000) / ITERATIONS;
  console.log(
    `${file.padEnd(34)} ${us.toFixed(1).padStart(6)} µs/resource  (first call ${firstMs.toFixed(1)} ms, ${issues.length} issues)`,
  );
}
