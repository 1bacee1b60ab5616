import type { CodeSystem, CodeSystemConcept, ValueSet } from '@medplum/fhirtypes';
import { readConformanceFolders } from '../../config/conformance-folders';
import { FhirError } from '../../kernel/errors';
import { loadDefinitions } from '../conformance/definitions';
import { terminologySearchResolver } from './search-resolver';
import { TerminologyService } from './terminology-service';

const CCAM = 'https://smt.esante.gouv.fr/terminologie-ccam';
const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const TEST_CS = 'urn:test:cs:anatomy';

// A small hierarchy using all three ways of saying is-a: nesting, `parent` and `subsumedBy` properties.
const testCodeSystem: CodeSystem = {
  resourceType: 'CodeSystem', id: 'test-anatomy', url: TEST_CS, version: '1', status: 'active', content: 'complete',
  property: [{ code: 'parent', type: 'code' }, { code: 'subsumedBy', type: 'code' }, { code: 'kind', type: 'string' }],
  concept: [
    { code: 'body', display: 'Body', concept: [
      { code: 'trunk', display: 'Trunk', concept: [{ code: 'thorax', display: 'Thorax', property: [{ code: 'kind', valueString: 'region' }] }] },
    ] },
    { code: 'abdomen', display: 'Abdomen', property: [{ code: 'parent', valueCode: 'trunk' }, { code: 'kind', valueString: 'region' }] },
    { code: 'liver', display: 'Foie', designation: [{ language: 'en', value: 'Liver' }], property: [{ code: 'subsumedBy', valueCode: 'abdomen' }] },
    { code: 'head', display: 'Tête', property: [{ code: 'parent', valueCode: 'body' }] },
  ],
};
const vs = (url: string, compose: ValueSet['compose']): ValueSet => ({ resourceType: 'ValueSet', id: url.split('/').pop(), url, status: 'active', compose });
const testValueSets: ValueSet[] = [
  vs('urn:test:vs:trunk', { include: [{ system: TEST_CS, filter: [{ property: 'concept', op: 'is-a', value: 'trunk' }] }] }),
  vs('urn:test:vs:below-trunk', { include: [{ system: TEST_CS, filter: [{ property: 'concept', op: 'descendent-of', value: 'trunk' }] }] }),
  vs('urn:test:vs:regions', { include: [{ system: TEST_CS, filter: [{ property: 'kind', op: '=', value: 'region' }] }] }),
  vs('urn:test:vs:trunk-but-liver', { include: [{ valueSet: ['urn:test:vs:trunk'] }], exclude: [{ system: TEST_CS, concept: [{ code: 'liver' }] }] }),
  vs('urn:test:vs:mixed', { include: [{ system: TEST_CS, concept: [{ code: 'head' }, { code: 'thorax', display: 'Poitrine' }] }, { valueSet: ['urn:test:vs:regions'] }] }),
  vs('urn:test:vs:broken', { include: [{ valueSet: ['urn:test:vs:missing'] }] }),
];

const extra = [...readConformanceFolders(['terminology'], `${__dirname}/../../..`).resources, testCodeSystem, ...testValueSets];
const service = new TerminologyService(loadDefinitions({ extra }), extra, () => new Date('2025-01-01T00:00:00Z'));
const codesOf = (v: ValueSet) => (v.expansion?.contains ?? []).map((c) => c.code);

function error(fn: () => unknown): FhirError {
  try {
    fn();
  } catch (e) {
    if (e instanceof FhirError) return e;
    throw e;
  }
  throw new Error('expected a FhirError');
}

describe('expand', () => {
  it('follows is-a over nesting, parent and subsumedBy, and descendent-of leaves the root out', () => {
    expect(codesOf(service.expand('urn:test:vs:trunk')).sort()).toEqual(['abdomen', 'liver', 'thorax', 'trunk']);
    expect(codesOf(service.expand('urn:test:vs:below-trunk')).sort()).toEqual(['abdomen', 'liver', 'thorax']);
  });

  it('filters on a property value, includes nested ValueSets and applies exclude', () => {
    expect(codesOf(service.expand('urn:test:vs:regions')).sort()).toEqual(['abdomen', 'thorax']);
    expect(codesOf(service.expand('urn:test:vs:trunk-but-liver')).sort()).toEqual(['abdomen', 'thorax', 'trunk']);
    const mixed = service.expand('urn:test:vs:mixed');
    expect(codesOf(mixed)).toEqual(['head', 'thorax', 'abdomen']);
    expect(mixed.expansion?.contains?.[1].display).toBe('Poitrine');
  });

  it('pages with offset and count while total counts every match', () => {
    const all = codesOf(service.expand('https://lucarne.example/fhir/ValueSet/dicom-modality'));
    expect(all).toHaveLength(12);
    const page = service.expand('https://lucarne.example/fhir/ValueSet/dicom-modality', { offset: 2, count: 3 });
    expect(page.expansion?.total).toBe(12);
    expect(page.expansion?.offset).toBe(2);
    expect(codesOf(page)).toEqual(all.slice(2, 5));
    expect(page.compose).toBeUndefined();
  });

  it('filters text on display and French designations, ignoring accents and case', () => {
    expect(codesOf(service.expand('https://lucarne.example/fhir/ValueSet/dicom-modality', { filter: 'ECHOGRAPHIE' }))).toEqual(['US']);
    expect(codesOf(service.expand('https://lucarne.example/fhir/ValueSet/radiation-dose-component', { filter: 'pdl' })).sort()).toEqual(['113813', '113838']);
    const ct = service.expand('https://lucarne.example/fhir/ValueSet/imaging-act', { filter: 'scanographie crane' });
    expect(codesOf(ct)).toEqual(['ACQK001', 'ACQH003', 'ACQH001', 'ACQK003', 'ACQH002', 'ACQH004']);
  });

  it('keeps CCAM chapter headings out of the imaging-act ValueSet', () => {
    const codes = codesOf(service.expand('https://lucarne.example/fhir/ValueSet/imaging-act'));
    expect(codes).toContain('ZBQK002');
    expect(codes).not.toContain('01.01.05');
    expect(codes).toHaveLength(123);
  });

  it('declares the CCAM fragment with a count no smaller than its concepts, each naming its source', () => {
    const cs = service.codeSystemById('ccam-imaging') as CodeSystem;
    const all: CodeSystemConcept[] = [];
    const walk = (concepts?: CodeSystemConcept[]) => concepts?.forEach((c) => (all.push(c), walk(c.concept)));
    walk(cs.concept);
    expect(cs.content).toBe('fragment');
    expect(cs.count).toBeGreaterThanOrEqual(all.length);
    expect(all.filter((c) => !c.property?.some((p) => p.code === 'source' && p.valueString))).toEqual([]);
  });

  it('expands R4 ValueSets from the definitions, including v2 tables', () => {
    expect(codesOf(service.expand('http://hl7.org/fhir/ValueSet/administrative-gender'))).toEqual(['male', 'female', 'other', 'unknown']);
    expect(codesOf(service.expand('https://lucarne.example/fhir/ValueSet/patient-identifier-type'))).toContain('PI');
  });

  it('answers 404 naming an unknown ValueSet, a missing nested one or an unavailable CodeSystem', () => {
    expect(error(() => service.expand('urn:test:vs:nope')).status).toBe(404);
    expect(error(() => service.expand('urn:test:vs:broken')).message).toContain('urn:test:vs:missing');
    const sct = error(() => service.expand('https://lucarne.example/fhir/ValueSet/imaging-body-site'));
    expect([sct.status, sct.message.includes('http://snomed.info/sct')]).toEqual([404, true]);
  });
});

describe('validateCode', () => {
  const url = 'https://lucarne.example/fhir/ValueSet/dicom-modality';
  it('accepts a member with its display or a designation, refuses a non-member or a wrong display', () => {
    expect(service.validateCode({ url, system: DCM, code: 'CT' }, 'ValueSet')).toEqual({ result: true, display: 'Computed Tomography' });
    expect(service.validateCode({ url, system: DCM, code: 'MR', display: 'imagerie par résonance magnétique (IRM)' }, 'ValueSet').result).toBe(true);
    const ko = service.validateCode({ url, system: DCM, code: 'KO' }, 'ValueSet');
    expect(ko.result).toBe(false);
    expect(ko.message).toContain(url);
    expect(service.validateCode({ url, system: DCM, code: 'CT', display: 'Scanner X' }, 'ValueSet').result).toBe(false);
  });

  it('takes any valid coding of a CodeableConcept', () => {
    const codeableConcept = { coding: [{ system: DCM, code: 'SR' }, { system: DCM, code: 'MG' }] };
    expect(service.validateCode({ url, codeableConcept }, 'ValueSet').result).toBe(true);
  });

  it('validates against a CodeSystem and warns, without refusing, for a code outside a fragment', () => {
    expect(service.validateCode({ url: CCAM, code: 'ACQK001' }, 'CodeSystem')).toEqual({ result: true, display: expect.any(String) });
    const unknown = service.validateCode({ url: CCAM, code: 'ZZZZ999' }, 'CodeSystem');
    expect([unknown.result, unknown.warning]).toEqual([true, true]);
    expect(unknown.message).toContain('fragment');
    const inValueSet = service.validateCode({ url: 'https://lucarne.example/fhir/ValueSet/imaging-act', system: CCAM, code: 'ZZZZ999' }, 'ValueSet');
    expect([inValueSet.result, inValueSet.warning]).toEqual([true, true]);
    const heading = service.validateCode({ url: 'https://lucarne.example/fhir/ValueSet/imaging-act', system: CCAM, code: '01.01.05' }, 'ValueSet');
    expect([heading.result, heading.warning]).toEqual([false, undefined]);
    const wrongDisplay = service.validateCode({ url: CCAM, code: 'ZBQK002', display: 'Scanographie du thorax' }, 'CodeSystem');
    expect(wrongDisplay.result).toBe(false);
    expect(error(() => service.validateCode({ url: 'urn:nope', code: 'x' }, 'CodeSystem')).status).toBe(404);
  });
});

describe('lookup', () => {
  it('gives display, designations and hierarchy properties', () => {
    const r = service.lookup(TEST_CS, 'liver');
    expect(r.display).toBe('Foie');
    expect(r.designation).toEqual([{ language: 'en', value: 'Liver' }]);
    expect(r.property).toContainEqual({ code: 'parent', type: 'valueCode', value: 'abdomen' });
    expect(service.lookup(TEST_CS, 'trunk', undefined, ['child']).property.map((p) => p.value).sort()).toEqual(['abdomen', 'thorax']);
  });

  it('marks CCAM chapters abstract and answers 404 for an unknown code, system or version', () => {
    expect(service.lookup(CCAM, '01.01.05').abstract).toBe(true);
    expect(error(() => service.lookup(CCAM, 'NOPE')).status).toBe(404);
    expect(error(() => service.lookup('urn:nope', 'x')).status).toBe(404);
    expect(error(() => service.lookup(TEST_CS, 'liver', '2')).message).toContain("version '2'");
  });
});

describe('subsumes', () => {
  it('answers equivalent, subsumes, subsumed-by and not-subsumed across nesting and properties', () => {
    expect(service.subsumes(TEST_CS, 'thorax', 'thorax')).toBe('equivalent');
    expect(service.subsumes(TEST_CS, 'body', 'liver')).toBe('subsumes');
    expect(service.subsumes(TEST_CS, 'liver', 'trunk')).toBe('subsumed-by');
    expect(service.subsumes(TEST_CS, 'head', 'thorax')).toBe('not-subsumed');
    expect(service.subsumes(CCAM, '01.01.05', 'ACQK001')).toBe('subsumes');
  });

  it('refuses a code that is not in the system with 400 naming it', () => {
    const e = error(() => service.subsumes(TEST_CS, 'body', 'tail'));
    expect([e.status, e.message]).toEqual([400, "codeB 'tail' is not in the CodeSystem 'urn:test:cs:anatomy'"]);
  });
});

describe('search resolver', () => {
  const resolver = terminologySearchResolver(service);
  it('expands ValueSets and walks the hierarchy both ways', () => {
    expect(resolver.expand('urn:test:vs:regions')?.map((c) => c.code).sort()).toEqual(['abdomen', 'thorax']);
    expect(resolver.expand('urn:test:vs:nope')).toBeUndefined();
    expect(resolver.subsumption(TEST_CS, 'abdomen', 'below')?.map((c) => c.code).sort()).toEqual(['abdomen', 'liver']);
    expect(resolver.subsumption(TEST_CS, 'liver', 'above')?.map((c) => c.code).sort()).toEqual(['abdomen', 'body', 'liver', 'trunk']);
    expect(resolver.subsumption('urn:nope', 'x', 'below')).toBeUndefined();
  });
});
