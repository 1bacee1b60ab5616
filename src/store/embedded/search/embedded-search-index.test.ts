import type { Resource } from '@medplum/fhirtypes';
import { loadDefinitions } from '../../../fhir/conformance/definitions';
import { parseSearchRequest } from '../../../fhir/search/parse-search';
import { openSearchTestDb } from './search-test-db';

const definitions = loadDefinitions();
const t = openSearchTestDb(definitions);
const LOINC = 'http://loinc.org';
type R = Resource & { id: string };

beforeAll(() => {
  const patients: R[] = [
    { resourceType: 'Patient', id: 'p1', name: [{ family: 'De La Tour', given: ['Jean-Pierre'] }], birthDate: '1980-05-02',
      gender: 'male', identifier: [{ system: 'urn:oid:1.1', value: '111' }], active: true },
    { resourceType: 'Patient', id: 'p2', name: [{ family: 'Dupont', given: ['Hélène'] }], birthDate: '1980', gender: 'female',
      identifier: [{ system: 'urn:oid:2.2', value: '222' }], address: [{ city: 'Saint-Étienne' }] },
    { resourceType: 'Patient', id: 'p3', name: [{ family: 'Durand', given: ['Marc'] }], birthDate: '1975-12-31', gender: 'male',
      identifier: [{ system: 'urn:oid:3.3', value: '333', type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'NH' }] } }] },
    { resourceType: 'Patient', id: 'p4', name: [{ family: 'Müller' }] },
  ];
  const observations: R[] = [
    { resourceType: 'Observation', id: 'o1', status: 'final', subject: { reference: 'Patient/p1' },
      code: { coding: [{ system: LOINC, code: '8867-4', display: 'Heart rate' }] },
      effectivePeriod: { start: '2023-12-01', end: '2024-01-01' } },
    { resourceType: 'Observation', id: 'o2', status: 'preliminary', subject: { reference: 'Patient/p2' },
      code: { coding: [{ system: LOINC, code: '1234-5' }] }, effectiveDateTime: '2024-01-02T10:00:00Z' },
    { resourceType: 'Observation', id: 'o3', status: 'final', subject: { reference: 'http://elsewhere.example/fhir/Patient/p9' },
      code: { coding: [{ code: 'X' }], text: 'Tension artérielle' }, effectiveDateTime: '2024-01-01T23:00:00-02:00' },
    { resourceType: 'Observation', id: 'o4', status: 'final', subject: { reference: 'Group/g1' }, code: { text: 'none' } },
    { resourceType: 'Observation', id: 'o5', status: 'final', code: { text: 'by base url' },
      subject: { reference: 'https://lucarne.example/fhir/Patient/p3' } },
  ];
  for (const r of [...patients, ...observations]) t.put(r);
  t.put({ resourceType: 'DiagnosticReport', id: 'd1', status: 'final', code: { text: 'CT' },
    subject: { identifier: { system: 'urn:oid:1.2.250.1.213.1.4.8', value: '180' } } } as R);
  t.put({ resourceType: 'DiagnosticReport', id: 'd2', status: 'final', code: { text: 'MR' } } as R);
  for (const [id, p] of [['r1', 0.32], ['r2', 0.3], ['r3', 100.3]] as const) {
    t.put({ resourceType: 'RiskAssessment', id, status: 'final', subject: { reference: 'Patient/p1' },
      prediction: [{ probabilityDecimal: p }] } as R);
  }
});
afterAll(() => t.close());

const P = (q: string) => t.ids('Patient', q);
const O = (q: string) => t.ids('Observation', q);

describe('string', () => {
  it('matches case- and accent-insensitive prefixes of every name part', () => {
    expect(P('name=helene')).toEqual(['p2']);
    expect(P('name=HÉLÈNE')).toEqual(['p2']);
    expect(P('given=jean-pierre')).toEqual(['p1']);
    expect(P('given=jean pierre')).toEqual(['p1']);
    expect(P('family=de la')).toEqual(['p1']);
    expect(P('family=du')).toEqual(['p2', 'p3']);
    expect(P('family=muller')).toEqual(['p4']);
    expect(P('address-city=saint-etienne')).toEqual(['p2']);
  });
  it('is a starts-with, not a contains', () => {
    expect(P('family=tour')).toEqual([]);
    expect(P('family:contains=tour')).toEqual(['p1']);
    expect(P('family:contains=u_o')).toEqual([]); // LIKE wildcards are literal
  });
  it(':exact compares the original text', () => {
    expect(P('family:exact=Dupont')).toEqual(['p2']);
    expect(P('family:exact=dupont')).toEqual([]);
    expect(P('family:exact=Dup')).toEqual([]);
  });
  it('ORs commas, ANDs repeats, honours escapes', () => {
    expect(P('family=dupont,durand')).toEqual(['p2', 'p3']);
    expect(P('family=du&given=marc')).toEqual(['p3']);
    expect(P('family=dupont\\,durand')).toEqual([]);
  });
  it(':missing', () => {
    expect(P('address:missing=false')).toEqual(['p2']);
    expect(P('address:missing=true')).toEqual(['p1', 'p3', 'p4']);
  });
  it('treats client text as data, never SQL', () => {
    expect(P("family=x' OR 1=1 --")).toEqual([]);
    expect(P('family:contains=d_p')).toEqual([]); // `_` is punctuation to normalisation, never a LIKE wildcard
  });
});

describe('token', () => {
  it('code, system|code, |code, system|', () => {
    expect(P('gender=male')).toEqual(['p1', 'p3']);
    expect(P('identifier=urn:oid:1.1|111')).toEqual(['p1']);
    expect(P('identifier=urn:oid:2.2|111')).toEqual([]);
    expect(P('identifier=111')).toEqual(['p1']);
    expect(P('identifier=|111')).toEqual([]);
    expect(P('identifier=urn:oid:2.2|')).toEqual(['p2']);
    expect(O('code=|X')).toEqual(['o3']);
    expect(O(`code=${LOINC}|`)).toEqual(['o1', 'o2']);
    expect(O(`code=${LOINC}|8867-4,${LOINC}|1234-5`)).toEqual(['o1', 'o2']);
  });
  it('bound codes carry their implicit system', () => {
    expect(P('gender=http://hl7.org/fhir/administrative-gender|male')).toEqual(['p1', 'p3']);
    expect(P('gender=http://other|male')).toEqual([]);
    expect(O('status=http://hl7.org/fhir/observation-status|preliminary')).toEqual(['o2']);
  });
  it(':not includes resources without the element', () => {
    expect(P('gender:not=male')).toEqual(['p2', 'p4']);
  });
  it(':text searches display and text', () => {
    expect(O('code:text=heart')).toEqual(['o1']);
    expect(O('code:text=tension arterielle')).toEqual(['o3']);
  });
  it(':of-type and :missing', () => {
    expect(P('identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|NH|333')).toEqual(['p3']);
    expect(P('identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|MR|333')).toEqual([]);
    expect(P('identifier:missing=true')).toEqual(['p4']);
    expect(P('active:missing=false')).toEqual(['p1']);
  });
  it('_id', () => {
    expect(P('_id=p1,p3')).toEqual(['p1', 'p3']);
    expect(P('_id=p1&gender=female')).toEqual([]);
    expect(P('_id:not=p1')).toEqual(['p2', 'p3', 'p4']);
    expect(P('_id:not=p1,p2')).toEqual(['p3', 'p4']);
    expect(P('_id:missing=false')).toEqual(['p1', 'p2', 'p3', 'p4']);
    expect(P('_id:missing=true')).toEqual([]);
    expect(P('_lastUpdated:missing=false')).toEqual(['p1', 'p2', 'p3', 'p4']);
    expect(P('_lastUpdated:missing=true')).toEqual([]);
  });
});

describe('reference', () => {
  it('Type/id, id, :[type], absolute and own-base urls', () => {
    expect(O('subject=Patient/p1')).toEqual(['o1']);
    expect(O('subject=p1')).toEqual(['o1']);
    expect(O('patient=p2')).toEqual(['o2']);
    expect(O('subject:Patient=p2')).toEqual(['o2']);
    expect(O('subject:Group=g1')).toEqual(['o4']);
    expect(O('patient=g1')).toEqual([]);
    expect(O('subject=http://elsewhere.example/fhir/Patient/p9')).toEqual(['o3']);
    expect(O('subject=Patient/p9')).toEqual([]);
    expect(O('subject=https://lucarne.example/fhir/Patient/p3')).toEqual(['o5']);
    expect(O('subject=Patient/p3')).toEqual(['o5']);
    expect(O('subject=Patient/p1,Patient/p2')).toEqual(['o1', 'o2']);
  });
  it(':identifier and :missing', () => {
    expect(t.ids('DiagnosticReport', 'subject:identifier=urn:oid:1.2.250.1.213.1.4.8|180')).toEqual(['d1']);
    // an identifier-only reference has a value (R4 :missing): only d2, without subject, is missing
    expect(t.ids('DiagnosticReport', 'subject:missing=true')).toEqual(['d2']);
    expect(t.ids('DiagnosticReport', 'subject:missing=false')).toEqual(['d1']);
    expect(O('subject:missing=true')).toEqual([]);
  });
});

describe('date', () => {
  it('the precision of the search value is a range', () => {
    expect(P('birthdate=1980')).toEqual(['p1', 'p2']);
    expect(P('birthdate=1980-05')).toEqual(['p1']);
    expect(P('birthdate=1980-05-02')).toEqual(['p1']);
    expect(P('birthdate=eq1980-05-02T10:00:00Z')).toEqual([]);
  });
  it('prefixes compare ranges as R4 says', () => {
    expect(P('birthdate=gt1980-01-01')).toEqual(['p1', 'p2']); // p2's year extends above the day
    expect(P('birthdate=lt1980')).toEqual(['p3']);
    expect(P('birthdate=ge1980')).toEqual(['p1', 'p2']);
    expect(P('birthdate=le1980-05-02')).toEqual(['p1', 'p2', 'p3']);
    expect(P('birthdate=sa1979')).toEqual(['p1', 'p2']);
    expect(P('birthdate=sa1980-01-01')).toEqual(['p1']);
    expect(P('birthdate=eb1980')).toEqual(['p3']);
    expect(P('birthdate=ne1980')).toEqual(['p3']);
    // ap widens by 10% of the distance from now (R4): decades ago, that is years
    expect(P('birthdate=ap1980-05-01')).toEqual(['p1', 'p2', 'p3']);
    expect(P('birthdate=ap1950')).toEqual([]);
    expect(P('birthdate=ge1975&birthdate=lt1980')).toEqual(['p3']);
  });
  it('periods are ranges; time zones are respected', () => {
    expect(O('date=gt2024-01-01')).toEqual(['o2', 'o3']); // o1 ends on that day; o3 is 01:00Z on the 2nd
    expect(O('date=lt2024-01-01')).toEqual(['o1']);
    expect(O('date=2024-01-02')).toEqual(['o2', 'o3']);
    expect(O('date=2024-01-01')).toEqual([]);
    expect(O('date=2024-01-02T01:00:00Z')).toEqual(['o3']);
    expect(O('date=2023')).toEqual([]);
    expect(O('date=eb2024-01-02')).toEqual(['o1']);
    expect(O('date:missing=true')).toEqual(['o4', 'o5']);
  });
});

describe('number', () => {
  const R = (q: string) => t.ids('RiskAssessment', q);
  it('eq and ne use the precision of the search value; gt lt ge le compare with it exactly', () => {
    expect(R('probability=0.3')).toEqual(['r1', 'r2']); // [0.25, 0.35)
    expect(R('probability=0.30')).toEqual(['r2']);
    expect(R('probability=ne0.30')).toEqual(['r1', 'r3']);
    expect(R('probability=gt0.3')).toEqual(['r1', 'r3']);
    expect(R('probability=ge0.3')).toEqual(['r1', 'r2', 'r3']);
    expect(R('probability=lt0.32')).toEqual(['r2']);
    expect(R('probability=le0.32')).toEqual(['r1', 'r2']);
    expect(R('probability=le100')).toEqual(['r1', 'r2']);
  });
  it('ap is within 10% of the value', () => {
    expect(R('probability=ap0.3')).toEqual(['r1', 'r2']); // 0.27 to 0.33
    expect(R('probability=ap0.35')).toEqual(['r1']); // 0.315 to 0.385
    expect(R('probability=ap100')).toEqual(['r3']);
    expect(R('probability=ap50')).toEqual([]);
  });
});

describe('results', () => {
  it('sorts by parameters (missing values last), _id and _lastUpdated', () => {
    expect(t.search('Patient', '_sort=family').ids).toEqual(['p1', 'p2', 'p3', 'p4']);
    expect(t.search('Patient', '_sort=-birthdate').ids).toEqual(['p2', 'p1', 'p3', 'p4']);
    expect(t.search('Patient', '_sort=birthdate').ids).toEqual(['p3', 'p2', 'p1', 'p4']); // p2 (1980) starts before p1
    expect(t.search('Patient', '_sort=-_id').ids).toEqual(['p4', 'p3', 'p2', 'p1']);
    expect(t.search('Patient', '_sort=gender,-_id').ids).toEqual(['p2', 'p3', 'p1', 'p4']);
  });
  it('pages with _count and _offset, reports hasMore and the total', () => {
    const first = t.search('Patient', '_sort=_id&_count=3&_total=accurate');
    expect(first).toMatchObject({ ids: ['p1', 'p2', 'p3'], hasMore: true, total: 4 });
    expect(t.search('Patient', '_sort=_id&_count=3&_offset=3')).toMatchObject({ ids: ['p4'], hasMore: false });
    expect(t.search('Patient', 'gender=male&_count=0')).toMatchObject({ ids: [], total: 2 });
  });
  it('_lastUpdated filters on the resources row', () => {
    t.put({ resourceType: 'Endpoint', id: 'e1', status: 'active', connectionType: { code: 'dicom-wado-rs' }, payloadType: [], address: 'http://pacs/wado' } as R, '2020-06-01T12:00:00Z');
    expect(t.ids('Endpoint', '_lastUpdated=2020-06-01')).toEqual(['e1']);
    expect(t.ids('Endpoint', '_lastUpdated=gt2020-06-01')).toEqual([]);
    expect(t.ids('Endpoint', '_lastUpdated=lt2021')).toEqual(['e1']);
    expect(t.ids('Endpoint', 'connection-type=dicom-wado-rs')).toEqual(['e1']);
  });
  it('restricts to a patient compartment', () => {
    const { request } = parseSearchRequest(definitions, 'Observation', {});
    const page = t.index.search(t.db, { ...request, compartment: { resourceType: 'Patient', id: 'p1' } });
    expect(page.rids).toHaveLength(1);
  });
  it('updates replace index rows and deletions remove them', () => {
    t.put({ resourceType: 'Patient', id: 'p9', name: [{ family: 'Zola' }], gender: 'male' } as R);
    expect(P('family=zola')).toEqual(['p9']);
    t.put({ resourceType: 'Patient', id: 'p9', name: [{ family: 'Hugo' }], gender: 'male' } as R);
    expect(P('family=zola')).toEqual([]);
    expect(P('family=hugo')).toEqual(['p9']);
    t.remove('Patient', 'p9');
    expect(P('family=hugo')).toEqual([]);
    expect(P('gender=male')).toEqual(['p1', 'p3']);
  });
});
