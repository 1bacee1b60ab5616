import type { Resource } from '@medplum/fhirtypes';
import { loadDefinitions } from '../../../fhir/conformance/definitions';
import { FhirError } from '../../../kernel/errors';
import { openSearchTestDb } from './search-test-db';

const definitions = loadDefinitions();
const t = openSearchTestDb(definitions);
type R = Resource & { id: string };
const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const bp = (code: string, value: number) => ({
  code: { coding: [{ system: LOINC, code }] }, valueQuantity: { value, system: UCUM, code: 'mm[Hg]' },
});

beforeAll(() => {
  const rs: R[] = [
    { resourceType: 'Observation', id: 'bp1', status: 'final', code: { coding: [{ system: LOINC, code: '85354-9' }] },
      component: [bp('8480-6', 150), bp('8462-4', 90)] },
    { resourceType: 'Observation', id: 'bp2', status: 'final', code: { coding: [{ system: LOINC, code: '85354-9' }] },
      component: [bp('8480-6', 90), bp('8462-4', 150)] },
    { resourceType: 'Observation', id: 'w1', status: 'final', code: { coding: [{ system: LOINC, code: '29463-7' }] },
      valueQuantity: { value: 80, system: UCUM, code: 'kg' } },
    { resourceType: 'Observation', id: 'w2', status: 'amended', code: { coding: [{ system: LOINC, code: '29463-7' }] },
      valueQuantity: { value: 95, system: UCUM, code: 'kg' } },
    { resourceType: 'ValueSet', id: 'vs1', status: 'active', url: 'http://acme.org/fhir/ValueSet/a' },
    { resourceType: 'ValueSet', id: 'vs2', status: 'active', url: 'http://acme.org/fhir' },
    { resourceType: 'ValueSet', id: 'vs3', status: 'active', url: 'http://other.org/fhir/ValueSet/a' },
    { resourceType: 'Patient', id: 'p1', gender: 'male' },
    { resourceType: 'Patient', id: 'p2', gender: 'female' },
    { resourceType: 'Patient', id: 'p3', gender: 'unknown' },
  ];
  for (const r of rs) t.put(r);
});
afterAll(() => t.close());

function status(type: string, query: string): number {
  try {
    t.search(type, query);
    return 200;
  } catch (e) {
    if (e instanceof FhirError) return e.status;
    throw e;
  }
}

describe('composite parameters', () => {
  it('code-value-quantity matches code and value on the same element', () => {
    expect(t.ids('Observation', 'code-value-quantity=http://loinc.org|29463-7$gt90')).toEqual(['w2']);
    expect(t.ids('Observation', 'code-value-quantity=29463-7$80|http://unitsofmeasure.org|kg')).toEqual(['w1']);
    expect(t.ids('Observation', 'code-value-quantity=29463-7$lt70,29463-7$ge95')).toEqual(['w2']);
  });
  it('component-code-value-quantity keeps components apart (same-element semantics)', () => {
    expect(t.ids('Observation', 'component-code-value-quantity=http://loinc.org|8480-6$gt140')).toEqual(['bp1']);
    expect(t.ids('Observation', 'component-code-value-quantity=8462-4$gt140')).toEqual(['bp2']);
    // bp2 has 8480-6 and a value of 150, but not in the same component:
    expect(t.ids('Observation', 'component-code-value-quantity=8480-6$150')).toEqual(['bp1']);
  });
  it('malformed composite values are 400', () => {
    expect(status('Observation', 'code-value-quantity=29463-7')).toBe(400);
    expect(status('Observation', 'code-value-quantity=29463-7$abc')).toBe(400);
    expect(status('Observation', 'code-value-quantity=a$1$2')).toBe(400);
  });
  it(':missing on a composite', () => {
    expect(t.ids('Observation', 'component-code-value-quantity:missing=true')).toEqual(['w1', 'w2']);
  });
});

describe('uri modifiers', () => {
  it(':above matches stored uris that are a prefix of the value at a path boundary', () => {
    expect(t.ids('ValueSet', 'url:above=http://acme.org/fhir/ValueSet/a/b')).toEqual(['vs1', 'vs2']);
    expect(t.ids('ValueSet', 'url:above=http://acme.org/fhir/ValueSet/a')).toEqual(['vs1', 'vs2']);
    expect(t.ids('ValueSet', 'url:below=http://acme.org/fhir')).toEqual(['vs1', 'vs2']);
    expect(t.ids('ValueSet', 'url=http://acme.org/fhir')).toEqual(['vs2']);
  });
});

describe('terminology modifiers on tokens', () => {
  it(':in and :not-in with a ValueSet enumerable from the definitions', () => {
    expect(t.ids('Observation', 'status:in=http://hl7.org/fhir/ValueSet/observation-status')).toEqual(['bp1', 'bp2', 'w1', 'w2']);
    expect(t.ids('Patient', 'gender:in=http://hl7.org/fhir/ValueSet/administrative-gender')).toEqual(['p1', 'p2', 'p3']);
    expect(t.ids('Patient', 'gender:not-in=http://hl7.org/fhir/ValueSet/administrative-gender')).toEqual([]);
  });
  it('answers 400 when the terminology is not loaded', () => {
    expect(status('Observation', 'code:in=http://acme.org/ValueSet/unknown')).toBe(400);
    expect(status('Observation', 'code:below=http://loinc.org|LP1')).toBe(400);
    expect(status('Observation', 'code:above=http://loinc.org|8480-6')).toBe(400);
  });
  it('uses a TerminologyResolver when one is given', async () => {
    const { parseSearchRequest } = await import('../../../fhir/search/parse-search');
    const terminology = {
      expand: () => undefined,
      subsumption: (system: string, code: string) => [{ system, code }, { system, code: '8462-4' }],
    };
    const { request } = parseSearchRequest(definitions, 'Observation', new URLSearchParams('component-code:below=http://loinc.org|8480-6'), { terminology });
    expect(request.filters[0].values).toEqual([{ kind: 'codes', codes: [{ system: LOINC, code: '8480-6' }, { system: LOINC, code: '8462-4' }] }]);
    expect(t.index.search(t.db, request).rids).toHaveLength(2);
  });
});
