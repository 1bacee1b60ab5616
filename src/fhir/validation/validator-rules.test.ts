import { loadDefinitions } from '../conformance/definitions';
import { createValidator } from './create-validator';

const validator = createValidator(loadDefinitions());
const errors = (resource: unknown) =>
  validator
    .validate(resource)
    .filter((i) => i.severity === 'error')
    .map((i) => [i.code, i.expression?.[0]]);

const observation = { resourceType: 'Observation', status: 'final', code: { text: 'Weight' } };

describe('cardinality', () => {
  it('requires min-1 elements of the resource', () => {
    expect(errors(observation)).toEqual([]);
    expect(errors({ resourceType: 'Observation', status: 'final' })).toEqual([['required', 'Observation.code']]);
  });

  it('requires min-1 elements inside backbone elements', () => {
    const ok = { ...observation, component: [{ code: { text: 'a' } }] };
    expect(errors(ok)).toEqual([]);
    expect(errors({ ...observation, component: [{ code: { text: 'a' } }, { valueString: 'x' }] })).toEqual([
      ['required', 'Observation.component[1].code'],
    ]);
  });

  it('requires min-1 elements inside data types', () => {
    expect(errors({ resourceType: 'Patient', extension: [{ valueString: 'x' }] })).toEqual([
      ['required', 'Patient.extension[0].url'],
    ]);
    expect(errors({ resourceType: 'Patient', meta: { tag: [{ code: 'x' }] }, identifier: [{ period: { start: '2020' } }] })).toEqual(
      [],
    );
    const ref = { resourceType: 'Patient', identifier: [{ assigner: { identifier: { type: { coding: [{ code: 'MR' }] } } } }] };
    expect(errors(ref)).toEqual([]);
  });

  it('follows contentReference elements (Questionnaire.item.item)', () => {
    const q = (inner: object) => ({ resourceType: 'Questionnaire', status: 'draft', item: [{ linkId: '1', type: 'group', item: [inner] }] });
    expect(errors(q({ linkId: '1.1', type: 'string' }))).toEqual([]);
    expect(errors(q({ type: 'string', foo: 1 }))).toEqual([
      ['structure', 'Questionnaire.item[0].item[0].foo'],
      ['required', 'Questionnaire.item[0].item[0].linkId'],
    ]);
  });

  it('counts a primitive carried only by its _element sibling as present', () => {
    const absent = { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' }] };
    expect(errors({ resourceType: 'Observation', _status: absent, code: { text: 'x' } })).toEqual([]);
  });

  it('requires a choice group as a whole (MedicationRequest.medication[x] is 1..1)', () => {
    const base = { resourceType: 'MedicationRequest', status: 'active', intent: 'order', subject: { reference: 'Patient/1' } };
    expect(errors({ ...base, medicationCodeableConcept: { text: 'x' } })).toEqual([]);
    expect(errors({ ...base, medicationReference: { reference: 'Medication/1' } })).toEqual([]);
    expect(errors(base)).toEqual([['required', 'MedicationRequest.medication[x]']]);
  });
});

describe('required bindings', () => {
  it.each([
    [{ resourceType: 'Patient', gender: 'female' }, { resourceType: 'Patient', gender: 'F' }, 'Patient.gender'],
    [observation, { ...observation, status: 'done' }, 'Observation.status'],
    [
      { resourceType: 'ImagingStudy', status: 'available', subject: { reference: 'Patient/1' } },
      { resourceType: 'ImagingStudy', status: 'complete', subject: { reference: 'Patient/1' } },
      'ImagingStudy.status',
    ],
    [
      { resourceType: 'Patient', text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' } },
      { resourceType: 'Patient', text: { status: 'auto', div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' } },
      'Patient.text.status',
    ],
    [{ resourceType: 'Patient', identifier: [{ use: 'official' }] }, { resourceType: 'Patient', identifier: [{ use: 'main' }] }, 'Patient.identifier[0].use'],
    [{ resourceType: 'Patient', telecom: [{ system: 'email' }] }, { resourceType: 'Patient', telecom: [{ system: 'mail' }] }, 'Patient.telecom[0].system'],
    [{ ...observation, valueQuantity: { comparator: '<' } }, { ...observation, valueQuantity: { comparator: '~' } }, 'Observation.valueQuantity.comparator'],
  ])('accepts a code of the value set and rejects another (%#)', (good, bad, path) => {
    expect(errors(good)).toEqual([]);
    expect(errors(bad)).toEqual([['code-invalid', path]]);
  });

  it('checks CodeableConcept codings against the value set by system', () => {
    const system = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
    const condition = (coding: object[]) => ({ resourceType: 'Condition', subject: { reference: 'Patient/1' }, clinicalStatus: { coding } });
    expect(errors(condition([{ system, code: 'active' }]))).toEqual([]);
    expect(errors(condition([{ system: 'http://other', code: 'x' }, { system, code: 'remission' }]))).toEqual([]);
    expect(errors(condition([{ system, code: 'cured' }]))).toEqual([['code-invalid', 'Condition.clinicalStatus']]);
    expect(errors(condition([{ system: 'http://other', code: 'active' }]))).toEqual([['code-invalid', 'Condition.clinicalStatus']]);
  });

  it('skips bindings whose value set cannot be enumerated (BCP-13 mime types)', () => {
    expect(errors({ resourceType: 'Patient', photo: [{ contentType: 'image/x-anything' }] })).toEqual([]);
  });

  it('does not check non-required bindings', () => {
    expect(errors({ resourceType: 'Patient', maritalStatus: { coding: [{ system: 'http://x', code: 'zz' }] } })).toEqual([]);
  });
});

describe('references', () => {
  const report = (reference: string, contained?: object[]) => ({
    resourceType: 'DiagnosticReport',
    status: 'final',
    code: { text: 'x' },
    subject: { reference },
    ...(contained ? { contained } : {}),
  });

  it.each([
    'Patient/123',
    'Patient/123/_history/2',
    'Group/g.1',
    'http://example.org/fhir/Patient/1',
    'urn:uuid:c757873d-ec9a-4326-a141-556f43239520',
    'urn:oid:1.2.3.4',
    'Patient?identifier=http://x|1',
  ])('accepts %s', (reference) => {
    expect(errors(report(reference))).toEqual([]);
  });

  it.each([['Patient/a_b'], ['Patient/'], ['patient/1'], ['Patient/1/_history/'], ['just text'], ['urn:uuid:1234'], ['/Patient/1']])(
    'rejects the syntax of %s',
    (reference) => {
      expect(errors(report(reference))).toEqual([['value', 'DiagnosticReport.subject.reference']]);
    },
  );

  it('rejects an unknown resource type', () => {
    expect(errors(report('Patients/1'))).toEqual([['value', 'DiagnosticReport.subject.reference']]);
  });

  it('rejects a relative reference to a type the element does not allow', () => {
    expect(errors(report('Observation/1'))).toEqual([['business-rule', 'DiagnosticReport.subject.reference']]);
    const obs = { ...observation, hasMember: [{ reference: 'Patient/1' }] };
    expect(errors(obs)).toEqual([['business-rule', 'Observation.hasMember[0].reference']]);
  });

  it('resolves #local references against contained resources', () => {
    expect(errors(report('#p1', [{ resourceType: 'Patient', id: 'p1' }]))).toEqual([]);
    expect(errors(report('#p2', [{ resourceType: 'Patient', id: 'p1' }]))).toEqual([
      ['invariant', 'DiagnosticReport.subject.reference'],
    ]);
  });
});

describe('contained resources', () => {
  const withContained = (contained: unknown[]) => ({ resourceType: 'Patient', contained });

  it('validates contained resources recursively', () => {
    expect(errors(withContained([{ resourceType: 'Organization', id: 'o', name: 'A' }]))).toEqual([]);
    expect(errors(withContained([{ resourceType: 'Organization', id: 'o', nom: 'A' }]))).toEqual([['structure', 'Patient.contained[0].nom']]);
    expect(errors(withContained([{ resourceType: 'Nope', id: 'o' }]))).toEqual([['invalid', 'Patient.contained[0].resourceType']]);
  });

  it('requires an id, forbids nested contained and meta.versionId/lastUpdated', () => {
    expect(errors(withContained([{ resourceType: 'Organization', name: 'A' }]))).toEqual([['required', 'Patient.contained[0].id']]);
    const nested = { resourceType: 'Organization', id: 'o', contained: [{ resourceType: 'Organization', id: 'p' }] };
    expect(errors(withContained([nested]))).toEqual([['invariant', 'Patient.contained[0].contained']]);
    const versioned = { resourceType: 'Organization', id: 'o', meta: { versionId: '1' } };
    expect(errors(withContained([versioned]))).toEqual([['invariant', 'Patient.contained[0].meta']]);
  });

  it('validates resources of Bundle entries and resource-typed elements', () => {
    const bundle = { resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'Patient', gender: 'x' } }] };
    expect(errors(bundle)).toEqual([['code-invalid', 'Bundle.entry[0].resource.gender']]);
    const response = { resourceType: 'Bundle', type: 'batch-response', entry: [{ response: { status: '200', outcome: { resourceType: 'Patient' } } }] };
    expect(errors(response)).toEqual([['structure', 'Bundle.entry[0].response.outcome.resourceType']]);
  });
});

describe('extensions', () => {
  const patient = (extension: object[]) => ({ resourceType: 'Patient', extension });

  it('accepts a value or nested extensions', () => {
    expect(errors(patient([{ url: 'http://x', valueString: 'a' }]))).toEqual([]);
    expect(errors(patient([{ url: 'http://x', extension: [{ url: 'a', valueCode: 'b' }] }]))).toEqual([]);
  });

  it('rejects both or neither, and a missing url', () => {
    expect(errors(patient([{ url: 'http://x', valueString: 'a', extension: [{ url: 'a', valueCode: 'b' }] }]))).toEqual([
      ['invariant', 'Patient.extension[0]'],
    ]);
    expect(errors(patient([{ url: 'http://x' }]))).toEqual([['invariant', 'Patient.extension[0]']]);
    expect(errors(patient([{ valueString: 'a' }]))).toEqual([['required', 'Patient.extension[0].url']]);
    expect(errors({ resourceType: 'Patient', modifierExtension: [{ url: 'u', valueFoo: 1 }] })).toEqual([
      ['structure', 'Patient.modifierExtension[0].valueFoo'],
      ['invariant', 'Patient.modifierExtension[0]'],
    ]);
  });
});
