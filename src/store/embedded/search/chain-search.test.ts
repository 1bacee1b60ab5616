import type { Resource } from '@medplum/fhirtypes';
import { loadDefinitions } from '../../../fhir/conformance/definitions';
import { parseSearchRequest } from '../../../fhir/search/parse-search';
import { FhirError } from '../../../kernel/errors';
import { openSearchTestDb } from './search-test-db';

const definitions = loadDefinitions();
const t = openSearchTestDb(definitions);
type R = Resource & { id: string };
const LOINC = 'http://loinc.org';

beforeAll(() => {
  const rs: R[] = [
    { resourceType: 'Organization', id: 'org1', name: 'CHU Lyon' },
    { resourceType: 'Organization', id: 'org2', name: 'Clinique Nord' },
    { resourceType: 'Patient', id: 'p1', name: [{ family: 'Dupont' }], identifier: [{ system: 'urn:oid:1.2.250', value: '180' }],
      managingOrganization: { reference: 'Organization/org1' } },
    { resourceType: 'Patient', id: 'p2', name: [{ family: 'Martin' }], identifier: [{ system: 'urn:oid:1.2.250', value: '181' }],
      managingOrganization: { reference: 'Organization/org2' } },
    { resourceType: 'Device', id: 'd1', identifier: [{ system: 'urn:oid:1.2.250', value: '180' }] },
    { resourceType: 'Group', id: 'g1', type: 'person', actual: true, name: 'Dupont family' },
    { resourceType: 'ImagingStudy', id: 's1', status: 'available', subject: { reference: 'Patient/p1' } },
    { resourceType: 'ImagingStudy', id: 's2', status: 'available', subject: { reference: 'Patient/p2' } },
    { resourceType: 'ImagingStudy', id: 's3', status: 'available', subject: { reference: 'Device/d1' } },
    { resourceType: 'Observation', id: 'o1', status: 'final', subject: { reference: 'Patient/p1' }, code: { coding: [{ system: LOINC, code: '8867-4' }] } },
    { resourceType: 'Observation', id: 'o2', status: 'final', subject: { reference: 'Patient/p2' }, code: { coding: [{ system: LOINC, code: '1234-5' }] } },
    { resourceType: 'Observation', id: 'o3', status: 'final', subject: { reference: 'Group/g1' }, code: { coding: [{ system: LOINC, code: '8867-4' }] } },
    { resourceType: 'Provenance', id: 'pv1', target: [{ reference: 'Observation/o2' }], recorded: '2024-01-01T00:00:00Z', agent: [{ who: { reference: 'Organization/org1' } }] },
    { resourceType: 'List', id: 'l1', status: 'current', mode: 'working', entry: [{ item: { reference: 'Patient/p2' } }, { item: { reference: 'Observation/o1' } }] },
  ];
  for (const r of rs) t.put(r);
});
afterAll(() => t.close());

function error(type: string, query: string): FhirError {
  try {
    t.search(type, query);
  } catch (e) {
    if (e instanceof FhirError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('forward chaining', () => {
  it('typed chain on a reference with several target types', () => {
    expect(t.ids('Observation', 'subject:Patient.name=dupont')).toEqual(['o1']);
    expect(t.ids('Observation', 'subject:Group.type=person')).toEqual(['o3']);
    expect(t.ids('Observation', 'subject:Patient.identifier=urn:oid:1.2.250|180')).toEqual(['o1']);
  });
  it('untyped chain searches every target type that defines the parameter', () => {
    expect(t.ids('ImagingStudy', 'subject.identifier=urn:oid:1.2.250|180')).toEqual(['s1', 's3']);
    expect(t.ids('ImagingStudy', 'subject.identifier=urn:oid:1.2.250|181')).toEqual(['s2']);
    expect(t.ids('ImagingStudy', 'subject.identifier=urn:oid:1.2.250|999')).toEqual([]);
    expect(t.ids('ImagingStudy', 'subject:Patient.identifier=urn:oid:1.2.250|180')).toEqual(['s1']);
  });
  it('several levels', () => {
    expect(t.ids('Observation', 'patient.organization.name=chu')).toEqual(['o1']);
    expect(t.ids('Observation', 'subject:Patient.organization.name=clinique')).toEqual(['o2']);
    expect(t.ids('ImagingStudy', 'patient.organization._id=org2')).toEqual(['s2']);
  });
  it('chains AND with other filters and follow updates of the target', () => {
    expect(t.ids('Observation', 'subject:Patient.name=dupont,martin&code=1234-5')).toEqual(['o2']);
    t.put({ resourceType: 'Patient', id: 'p2', name: [{ family: 'Dupond' }], managingOrganization: { reference: 'Organization/org2' } } as R);
    expect(t.ids('Observation', 'subject:Patient.name=dupon')).toEqual(['o1', 'o2']);
    t.put({ resourceType: 'Patient', id: 'p2', name: [{ family: 'Martin' }], identifier: [{ system: 'urn:oid:1.2.250', value: '181' }],
      managingOrganization: { reference: 'Organization/org2' } } as R);
  });
  it('deleted targets do not match', () => {
    t.put({ resourceType: 'Patient', id: 'px', name: [{ family: 'Ghost' }] } as R);
    t.put({ resourceType: 'Observation', id: 'ox', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/px' } } as R);
    expect(t.ids('Observation', 'subject:Patient.name=ghost')).toEqual(['ox']);
    t.remove('Patient', 'px');
    expect(t.ids('Observation', 'subject:Patient.name=ghost')).toEqual([]);
  });
  it('refuses ambiguous, malformed and non-reference chains with 400 naming the parameter', () => {
    const ambiguous = error('Observation', 'focus.type=x');
    expect(ambiguous.status).toBe(400);
    expect(JSON.stringify(ambiguous.outcome)).toContain('focus.type');
    expect(error('Observation', 'subject:Practitioner.name=x').status).toBe(400);
    expect(error('Observation', 'status.name=x').status).toBe(400);
    expect(error('Observation', 'subject:Patient.birthdate=notadate').status).toBe(400);
    expect(error('Observation', 'patient.organization.partof.partof.partof.name=x').status).toBe(400);
    expect(t.ids('Observation', 'patient.organization.partof.partof.name=x')).toEqual([]);
  });
  it('an unknown chained parameter is reported as unknown, not applied', () => {
    const parsed = parseSearchRequest(definitions, 'Observation', new URLSearchParams('subject:Patient.nope=x'));
    expect(parsed.unknown).toEqual(['subject:Patient.nope']);
    expect(parsed.request.filters).toEqual([]);
  });
});

describe('reverse chaining (_has)', () => {
  it('finds resources referenced by matching resources', () => {
    expect(t.ids('Patient', '_has:Observation:subject:code=8867-4')).toEqual(['p1']);
    expect(t.ids('Patient', '_has:Observation:patient:code=1234-5,8867-4')).toEqual(['p1', 'p2']);
    expect(t.ids('Group', '_has:Observation:subject:code=8867-4')).toEqual(['g1']);
    expect(t.ids('Patient', '_has:Observation:subject:code=nothing')).toEqual([]);
  });
  it('nested _has and _has combined with a forward chain', () => {
    expect(t.ids('Patient', '_has:Observation:subject:_has:Provenance:target:agent=Organization/org1')).toEqual(['p2']);
    expect(t.ids('Patient', '_has:Observation:subject:_has:Provenance:target:agent.name=chu')).toEqual(['p2']);
    expect(t.ids('Organization', '_has:Patient:organization:_has:Observation:subject:code=8867-4')).toEqual(['org1']);
  });
  it('malformed _has is a 400', () => {
    expect(error('Patient', '_has:Observation:code=x').status).toBe(400);
    expect(error('Patient', '_has:Nope:subject:code=x').status).toBe(400);
    expect(error('Patient', '_has:Observation:status:code=x').status).toBe(400);
    expect(error('Patient', '_has:Observation:subject:date=bad').status).toBe(400);
  });
});

describe('_list', () => {
  it('restricts to the items of a List', () => {
    expect(t.ids('Patient', '_list=l1')).toEqual(['p2']);
    expect(t.ids('Observation', '_list=l1')).toEqual(['o1']);
    expect(t.ids('Observation', '_list=nope')).toEqual([]);
  });
});
