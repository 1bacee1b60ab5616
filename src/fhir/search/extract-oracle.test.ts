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

describe('Patient.deceased (exists() and != false, compiled instead of evaluated by the fhirpath package)', () => {
  const deceased = (extractor: typeof fast, fields: object) =>
    extractor
      .extract({ resourceType: 'Patient', id: 'p', ...fields } as Resource)
      .filter((e) => e.code === 'deceased')
      .map(entryKey)
      .sort();
  // Valid shapes first, then shapes validation refuses, which must still index as the fhirpath package does.
  const cases: object[] = [
    {}, { deceasedBoolean: true }, { deceasedBoolean: false }, { deceasedDateTime: '2015-02-14T13:42:00+10:00' },
    { deceasedDateTime: '2015' }, { deceasedBoolean: true, _deceasedBoolean: { id: 'a' } },
    { _deceasedBoolean: { extension: [{ url: 'http://example.org/x', valueString: 'y' }] } },
    { _deceasedDateTime: { extension: [{ url: 'http://example.org/x', valueString: 'y' }] } },
    { deceasedBoolean: 'true' }, { deceasedBoolean: 'false' }, { deceasedBoolean: null }, { deceasedBoolean: 0 },
    { deceasedBoolean: 1 }, { deceasedBoolean: {} }, { deceasedBoolean: [true] }, { deceasedBoolean: [false] },
    { deceasedBoolean: [true, false] }, { deceasedBoolean: [] }, { deceasedDateTime: '' }, { deceasedDateTime: true },
    { deceasedDateTime: 123 }, { deceasedDateTime: {} }, { deceasedBoolean: true, deceasedDateTime: '2015' },
    { deceasedBoolean: false, deceasedDateTime: '2015' }, { deceasedString: 'x' },
  ];

  it.each(cases.map((c) => [JSON.stringify(c), c]))('%s: the same entries as the fhirpath package', (_label, fields) => {
    expect(deceased(fast, fields as object)).toEqual(deceased(reference, fields as object));
  });

  it('indexes true, false and absent as the tokens the package gives', () => {
    expect(deceased(fast, { deceasedBoolean: true })).toEqual([entryKey({ kind: 'token', code: 'deceased', group: 0, system: '', value: 'true' })]);
    expect(deceased(fast, { deceasedDateTime: '2015' })).toEqual(deceased(fast, { deceasedBoolean: true }));
    expect(deceased(fast, {})).toEqual([entryKey({ kind: 'token', code: 'deceased', group: 0, system: '', value: 'false' })]);
  });

  it('leaves no R4 search parameter of an indexed kind to the fhirpath package', () => {
    const left = definitions.resourceTypes.flatMap((type) =>
      fast.compiled(type).filter((p) => p.fallbacks > 0).map((p) => `${type}.${p.code}: ${p.param.expression}`),
    );
    expect(left).toEqual([]);
  });
});
