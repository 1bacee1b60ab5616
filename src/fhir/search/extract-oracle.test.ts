import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { loadDefinitions } from '../conformance/definitions';
import { createExtractor, entryKey } from './extract';

/**
 * The fast path against the fhirpath package on the R4 examples of the types Lucarne serves first: everything
 * the fhirpath evaluation indexes, the fast path indexes too. (The fast path finds more: fhirpath cannot
 * `resolve()` references and loses the data type of some values, so the reverse does not hold.)
 */
const TYPES = ['Patient', 'ImagingStudy', 'ServiceRequest', 'DiagnosticReport', 'Observation', 'Endpoint', 'Organization', 'Practitioner'];
const dir = dirname(require.resolve('hl7.fhir.r4.examples/package.json'));
const definitions = loadDefinitions();
const fast = createExtractor(definitions);
const reference = createExtractor(definitions, { fastPath: false });

it('indexes at least what the fhirpath package finds, on every R4 example of the main types', () => {
  const files = readdirSync(dir).filter((f) => TYPES.some((t) => f.startsWith(t + '-')) && f.endsWith('.json'));
  const missing: string[] = [];
  let checked = 0;
  for (const file of files) {
    const resource = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Resource;
    if (!TYPES.includes(resource.resourceType)) continue;
    // The fast path adds the implicit system of bound codes; the fhirpath evaluation cannot know it.
    const ours = new Set(
      fast.extract(resource).flatMap((e) => (e.kind === 'token' ? [entryKey(e), entryKey({ ...e, system: '' })] : [entryKey(e)])),
    );
    for (const key of reference.extract(resource).map(entryKey)) {
      if (!ours.has(key)) missing.push(`${file}: ${key.replace(/\0/g, ' ')}`);
    }
    checked++;
  }
  expect(checked).toBeGreaterThan(140);
  expect(missing).toEqual([]);
});
