import type { Resource } from '@medplum/fhirtypes';
import { loadDefinitions } from '../conformance/definitions';
import { createExtractor } from './extract';
import type { IndexEntry } from './index-entry';
import { MAX_TIME } from './index-entry';
import { normalizeString } from './normalize';

const definitions = loadDefinitions();
const extractor = createExtractor(definitions, { baseUrl: 'https://lucarne.example/fhir/' });

function of(resource: Resource, code: string): IndexEntry[] {
  return extractor.extract(resource).filter((e) => e.code === code);
}
const norms = (entries: IndexEntry[]) => entries.map((e) => (e.kind === 'string' ? e.norm : '')).sort();
const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const iso = (ms: number) => new Date(ms).toISOString();

describe('normalizeString', () => {
  it('drops accents, case and punctuation', () => {
    expect(normalizeString('Hélène')).toBe('helene');
    expect(normalizeString('Jean-Pierre')).toBe('jean pierre');
    expect(normalizeString("  D'Artagnan,  DE LA Tour ")).toBe('d artagnan de la tour');
    expect(normalizeString('Ærø Ñúñez')).toBe('ærø nunez');
  });
});

describe('extraction', () => {
  const patient: Resource = {
    resourceType: 'Patient',
    id: 'p1',
    name: [
      { family: 'De La Tour', given: ['Jean-Pierre', 'Hélène'], prefix: ['Dr.'], suffix: ['Jr'], text: 'Dr Jean-Pierre De La Tour' },
    ],
    address: [{ line: ['12 rue de l’Église'], city: 'Saint-Étienne', postalCode: '42000', country: 'FR', district: 'Loire', state: 'ARA' }],
    identifier: [
      { system: 'urn:oid:1.2.250.1.213.1.4.8', value: '1234567890123', type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'NH' }] } },
    ],
    telecom: [{ system: 'email', value: 'jp@example.org' }, { system: 'phone', value: '+33 1 23' }],
    gender: 'male',
    birthDate: '1980-05-02',
    active: true,
    generalPractitioner: [
      { reference: 'Practitioner/gp1' },
      { reference: 'https://lucarne.example/fhir/Organization/o1' },
      { reference: 'http://elsewhere.example/fhir/Practitioner/x9/_history/2' },
      { reference: '#contained' },
    ],
  };

  it('indexes every part of a HumanName, normalised, with the exact original', () => {
    expect(norms(of(patient, 'name'))).toEqual(
      ['de la tour', 'dr', 'dr jean pierre de la tour', 'helene', 'jean pierre', 'jr'].sort(),
    );
    const exact = of(patient, 'given').map((e) => (e.kind === 'string' ? e.exact : ''));
    expect(exact.sort()).toEqual(['Hélène', 'Jean-Pierre']);
    expect(norms(of(patient, 'family'))).toEqual(['de la tour']);
  });

  it('indexes every part of an Address', () => {
    expect(norms(of(patient, 'address'))).toEqual(
      ['12 rue de l eglise', 'saint etienne', '42000', 'fr', 'loire', 'ara'].sort(),
    );
    expect(norms(of(patient, 'address-city'))).toEqual(['saint etienne']);
  });

  it('indexes identifiers with system and value, and their type for :of-type', () => {
    expect(of(patient, 'identifier')).toEqual([
      { kind: 'token', code: 'identifier', group: 0, system: 'urn:oid:1.2.250.1.213.1.4.8', value: '1234567890123' },
    ]);
    expect(of(patient, 'identifier:of-type')).toEqual([
      { kind: 'token', code: 'identifier:of-type', group: 0, system: 'http://terminology.hl7.org/CodeSystem/v2-0203', value: 'NH|1234567890123' },
    ]);
  });

  it('indexes codes, booleans and filtered ContactPoints as tokens', () => {
    // a code bound to a one-CodeSystem ValueSet carries that system implicitly
    expect(of(patient, 'gender')).toMatchObject([{ system: 'http://hl7.org/fhir/administrative-gender', value: 'male' }]);
    expect(of(patient, 'active')).toMatchObject([{ system: '', value: 'true' }]);
    expect(of(patient, 'email')).toMatchObject([{ value: 'jp@example.org' }]);
    expect(of(patient, 'phone')).toMatchObject([{ value: '+33 1 23' }]);
  });

  it('indexes references in every form and ignores contained ones', () => {
    const refs = of(patient, 'general-practitioner');
    expect(refs).toEqual([
      { kind: 'reference', code: 'general-practitioner', group: 0, targetType: 'Practitioner', targetId: 'gp1', url: null, version: null },
      { kind: 'reference', code: 'general-practitioner', group: 0, targetType: 'Organization', targetId: 'o1', url: null, version: null },
      { kind: 'reference', code: 'general-practitioner', group: 0, targetType: 'Practitioner', targetId: null, url: 'http://elsewhere.example/fhir/Practitioner/x9/_history/2', version: null },
    ]);
  });

  it('indexes a date as the range of its precision', () => {
    const [d] = of(patient, 'birthdate');
    expect(d.kind === 'date' && [iso(d.low), iso(d.high)]).toEqual(['1980-05-02T00:00:00.000Z', '1980-05-02T23:59:59.999Z']);
  });

  it('handles partial dates, time zones and periods', () => {
    const obs = (extra: object) => ({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, ...extra }) as Resource;
    const range = (r: Resource) => of(r, 'date').map((e) => (e.kind === 'date' ? [iso(e.low), iso(e.high)] : []));
    expect(range(obs({ effectiveDateTime: '2024' }))).toEqual([['2024-01-01T00:00:00.000Z', '2024-12-31T23:59:59.999Z']]);
    expect(range(obs({ effectiveDateTime: '2024-02' }))).toEqual([['2024-02-01T00:00:00.000Z', '2024-02-29T23:59:59.999Z']]);
    expect(range(obs({ effectiveDateTime: '2024-03-05T10:30:00+02:00' }))).toEqual([
      ['2024-03-05T08:30:00.000Z', '2024-03-05T08:30:00.999Z'],
    ]);
    expect(range(obs({ effectiveInstant: '2024-03-05T10:30:00.123Z' }))).toEqual([
      ['2024-03-05T10:30:00.123Z', '2024-03-05T10:30:00.123Z'],
    ]);
    expect(range(obs({ effectivePeriod: { start: '2024-01', end: '2024-03-10' } }))).toEqual([
      ['2024-01-01T00:00:00.000Z', '2024-03-10T23:59:59.999Z'],
    ]);
    const open = of(obs({ effectivePeriod: { start: '2024-01-01' } }), 'date')[0];
    expect(open.kind === 'date' && open.high).toBe(MAX_TIME);
  });

  it('indexes CodeableConcepts: each coding, and text/display for :text', () => {
    const o = {
      resourceType: 'Observation', status: 'final',
      code: { coding: [{ system: LOINC, code: '8867-4', display: 'Heart rate' }, { code: 'HR' }], text: 'Fréquence cardiaque' },
      subject: { reference: 'Patient/p1' },
      valueQuantity: { value: 72.0, unit: 'beats/min', system: 'http://unitsofmeasure.org', code: '/min' },
    } as Resource;
    expect(of(o, 'code')).toMatchObject([{ system: 'http://loinc.org', value: '8867-4' }, { system: '', value: 'HR' }]);
    expect(norms(of(o, 'code:text'))).toEqual(['frequence cardiaque', 'heart rate']);
    expect(of(o, 'patient')).toMatchObject([{ targetType: 'Patient', targetId: 'p1' }]);
    expect(of(o, 'subject')).toMatchObject([{ targetType: 'Patient', targetId: 'p1' }]);
    expect(of(o, 'value-quantity')).toMatchObject([{ value: 72, system: 'http://unitsofmeasure.org', unit: '/min', low: 71.5, high: 72.5 }]);
  });

  it('applies where(resolve() is T) to references', () => {
    const o = { resourceType: 'Observation', status: 'final', code: {}, subject: { reference: 'Group/g1' } } as Resource;
    expect(of(o, 'patient')).toEqual([]);
    expect(of(o, 'subject')).toHaveLength(1);
  });

  it('indexes canonical references with their version and Reference.identifier', () => {
    const sr = {
      resourceType: 'ServiceRequest', status: 'active', intent: 'order', subject: { identifier: { system: 'urn:ins', value: '42' } },
      instantiatesCanonical: ['http://example.org/PlanDefinition/p|2.1'],
    } as Resource;
    expect(of(sr, 'instantiates-canonical')).toMatchObject([{ url: 'http://example.org/PlanDefinition/p', version: '2.1' }]);
    expect(of(sr, 'subject:identifier')).toMatchObject([{ kind: 'token', system: 'urn:ins', value: '42' }]);
  });

  it('indexes composites per element, with a shared group (same-element semantics)', () => {
    const bp = {
      resourceType: 'Observation', status: 'final', code: { coding: [{ system: LOINC, code: '85354-9' }] },
      component: [
        { code: { coding: [{ system: LOINC, code: '8480-6' }] }, valueQuantity: { value: 107, system: UCUM, code: 'mm[Hg]' } },
        { code: { coding: [{ system: LOINC, code: '8462-4' }] }, valueQuantity: { value: 60, system: UCUM, code: 'mm[Hg]' } },
        { code: { coding: [{ system: LOINC, code: 'no-value' }] } },
      ],
    } as Resource;
    const rows = extractor.extract(bp).filter((e) => e.code.startsWith('component-code-value-quantity#'));
    expect(rows.map((e) => [e.code, e.group, e.kind === 'token' ? e.value : e.kind === 'quantity' ? e.value : ''])).toEqual([
      ['component-code-value-quantity#0', 1, '8480-6'],
      ['component-code-value-quantity#1', 1, 107],
      ['component-code-value-quantity#0', 2, '8462-4'],
      ['component-code-value-quantity#1', 2, 60],
    ]);
    // the panel itself has no value: no code-value-quantity group
    expect(extractor.extract(bp).filter((e) => e.code.startsWith('code-value-quantity#'))).toEqual([]);
    let composites = 0;
    for (const type of definitions.resourceTypes) composites += extractor.compiledComposites(type).length;
    expect(composites).toBeGreaterThanOrEqual(70);
  });

  it('compiles almost every R4 expression to the fast path', () => {
    let fallbacks = 0;
    for (const type of definitions.resourceTypes) for (const p of extractor.compiled(type)) fallbacks += p.fallbacks;
    expect(fallbacks).toBeLessThan(5);
    // the fallback still evaluates (fhirpath package)
    expect(of({ resourceType: 'Patient', deceasedDateTime: '2020-01-01' } as Resource, 'deceased')).toMatchObject([{ value: 'true' }]);
  });
});
