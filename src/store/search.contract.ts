import type { Resource } from '@medplum/fhirtypes';
import type { Definitions } from '../fhir/conformance/definitions';
import { parseSearchRequest } from '../fhir/search/parse-search';
import type { SearchRequest } from '../fhir/search/search-request';
import type { Clock } from '../kernel/clock';
import type { FhirStore } from './store';

export interface SearchContractEnv {
  definitions: Definitions;
  /** Public base URL: the store's index must treat absolute references under it as local. */
  baseUrl: string;
  /** The store's clock (meta.lastUpdated), so _lastUpdated cases can place a write in time. */
  clock: Clock;
}

type R = Resource & { id: string };
const LOINC = 'http://loinc.org';

/**
 * THE behavioural suite of search, run by every backend (embedded and MongoDB) through FhirStore.search on
 * a store the factory opens with the given definitions, base URL and clock. One store per suite (seeded once).
 */
export function describeSearchContract(
  name: string,
  definitions: Definitions,
  makeStore: (env: SearchContractEnv) => Promise<FhirStore>,
  cleanup: (store: FhirStore) => Promise<void> = (store) => store.close(),
): void {
  describe(`search contract: ${name}`, () => {
    const baseUrl = 'https://lucarne.example/fhir';
    let t = Date.parse('2025-01-01T00:00:00Z');
    const clock: Clock = { now: () => new Date((t += 1000)) };
    let store: FhirStore;
    const put = (r: R) => store.update(r);

    beforeAll(async () => {
      store = await makeStore({ definitions, baseUrl, clock });
      const resources: R[] = [
        { resourceType: 'Patient', id: 'p1', name: [{ family: 'De La Tour', given: ['Jean-Pierre'] }], birthDate: '1980-05-02',
          gender: 'male', identifier: [{ system: 'urn:oid:1.1', value: '111' }], active: true },
        { resourceType: 'Patient', id: 'p2', name: [{ family: 'Dupont', given: ['Hélène'] }], birthDate: '1980', gender: 'female',
          identifier: [{ system: 'urn:oid:2.2', value: '222' }], address: [{ city: 'Saint-Étienne' }] },
        { resourceType: 'Patient', id: 'p3', name: [{ family: 'Durand', given: ['Marc'] }], birthDate: '1975-12-31', gender: 'male',
          identifier: [{ system: 'urn:oid:3.3', value: '333', type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'NH' }] } }] },
        { resourceType: 'Patient', id: 'p4', name: [{ family: 'Müller' }] },
        { resourceType: 'Observation', id: 'o1', status: 'final', subject: { reference: 'Patient/p1' },
          code: { coding: [{ system: LOINC, code: '8867-4', display: 'Heart rate' }] },
          effectivePeriod: { start: '2023-12-01', end: '2024-01-01' }, valueQuantity: { value: 72, system: 'http://unitsofmeasure.org', code: '/min' } },
        { resourceType: 'Observation', id: 'o2', status: 'preliminary', subject: { reference: 'Patient/p2' },
          code: { coding: [{ system: LOINC, code: '1234-5' }] }, effectiveDateTime: '2024-01-02T10:00:00Z',
          valueQuantity: { value: 5.4, system: 'http://unitsofmeasure.org', code: 'mmol/L' } },
        { resourceType: 'Observation', id: 'o3', status: 'final', subject: { reference: 'http://elsewhere.example/fhir/Patient/p9' },
          code: { coding: [{ code: 'X' }], text: 'Tension artérielle' }, effectiveDateTime: '2024-01-01T23:00:00-02:00' },
        { resourceType: 'Observation', id: 'o4', status: 'final', subject: { reference: 'Group/g1' }, code: { text: 'none' } },
        { resourceType: 'Observation', id: 'o5', status: 'final', code: { text: 'by base url' },
          subject: { reference: 'https://lucarne.example/fhir/Patient/p3' } },
        { resourceType: 'DiagnosticReport', id: 'd1', status: 'final', code: { text: 'CT' },
          subject: { identifier: { system: 'urn:oid:1.2.250.1.213.1.4.8', value: '180' } } } as R,
        // Two periods in one resource: eq must hold for one period, not for a start from one and an end from the other.
        { resourceType: 'Encounter', id: 'e1', status: 'finished', class: { code: 'AMB' }, subject: { reference: 'Patient/p1' },
          location: [{ location: { reference: 'Location/l1' }, period: { start: '2024-01-01', end: '2024-01-03' } },
            { location: { reference: 'Location/l2' }, period: { start: '2024-03-01', end: '2024-03-02' } }] } as R,
        { resourceType: 'ValueSet', id: 'vs1', status: 'active', url: 'http://example.org/fhir/ValueSet/a.b' } as R,
      ];
      for (const r of resources) await put(r);
    });
    afterAll(async () => {
      await cleanup(store);
    });

    async function search(type: string, query: string) {
      const { request } = parseSearchRequest(definitions, type, new URLSearchParams(query), { baseUrl });
      const result = await store.search(request);
      return { ...result, ids: result.entries.map((e) => e.id) };
    }
    const ids = async (type: string, query: string) => (await search(type, query)).ids.sort();
    const P = (q: string) => ids('Patient', q);
    const O = (q: string) => ids('Observation', q);

    describe('string', () => {
      it('matches case- and accent-insensitive prefixes of every name part', async () => {
        expect(await P('name=helene')).toEqual(['p2']);
        expect(await P('name=HÉLÈNE')).toEqual(['p2']);
        expect(await P('given=jean-pierre')).toEqual(['p1']);
        expect(await P('given=jean pierre')).toEqual(['p1']);
        expect(await P('family=de la')).toEqual(['p1']);
        expect(await P('family=du')).toEqual(['p2', 'p3']);
        expect(await P('family=muller')).toEqual(['p4']);
        expect(await P('address-city=saint-etienne')).toEqual(['p2']);
      });
      it('is a starts-with, not a contains; :contains and :exact', async () => {
        expect(await P('family=tour')).toEqual([]);
        expect(await P('family:contains=tour')).toEqual(['p1']);
        expect(await P('family:contains=u_o')).toEqual([]);
        expect(await P('family:exact=Dupont')).toEqual(['p2']);
        expect(await P('family:exact=dupont')).toEqual([]);
        expect(await P('family:exact=Dup')).toEqual([]);
      });
      it('ORs commas, ANDs repeats, honours escapes, :missing', async () => {
        expect(await P('family=dupont,durand')).toEqual(['p2', 'p3']);
        expect(await P('family=du&given=marc')).toEqual(['p3']);
        expect(await P('family=dupont\\,durand')).toEqual([]);
        expect(await P('address:missing=false')).toEqual(['p2']);
        expect(await P('address:missing=true')).toEqual(['p1', 'p3', 'p4']);
      });
      it('treats client text as data, never as query syntax', async () => {
        expect(await P("family=x' OR 1=1 --")).toEqual([]);
        expect(await P('family:exact=.*')).toEqual([]);
        expect(await P('family=$where')).toEqual([]);
        expect(await P('family:exact={"$ne":1}')).toEqual([]);
        const V = (q: string) => ids('ValueSet', q);
        expect(await V('url=http://example.org/fhir/ValueSet/a.b')).toEqual(['vs1']);
        expect(await V('url=http://example.org/fhir/ValueSet/a_b')).toEqual([]);
        expect(await V('url:below=http://example.org/fhir')).toEqual(['vs1']);
        expect(await V('url:above=http://example.org/fhir/ValueSet/a.b/c')).toEqual(['vs1']);
        expect(await V('url:above=http://example.org/fhir/ValueSet/a')).toEqual([]);
        expect(await V('url:below=http://example.org/f.*')).toEqual([]);
        expect(await V('url:below=http://example.org/fhir/ValueSet/a?b')).toEqual([]);
      });
    });

    describe('token', () => {
      it('code, system|code, |code, system|', async () => {
        expect(await P('gender=male')).toEqual(['p1', 'p3']);
        expect(await P('identifier=urn:oid:1.1|111')).toEqual(['p1']);
        expect(await P('identifier=urn:oid:2.2|111')).toEqual([]);
        expect(await P('identifier=111')).toEqual(['p1']);
        expect(await P('identifier=|111')).toEqual([]);
        expect(await P('identifier=urn:oid:2.2|')).toEqual(['p2']);
        expect(await O('code=|X')).toEqual(['o3']);
        expect(await O(`code=${LOINC}|`)).toEqual(['o1', 'o2']);
        expect(await O(`code=${LOINC}|8867-4,${LOINC}|1234-5`)).toEqual(['o1', 'o2']);
      });
      it(':not, :text, :of-type, :missing, _id', async () => {
        expect(await P('gender:not=male')).toEqual(['p2', 'p4']);
        expect(await O('code:text=heart')).toEqual(['o1']);
        expect(await O('code:text=tension arterielle')).toEqual(['o3']);
        expect(await P('identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|NH|333')).toEqual(['p3']);
        expect(await P('identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|MR|333')).toEqual([]);
        expect(await P('identifier:missing=true')).toEqual(['p4']);
        expect(await P('active:missing=false')).toEqual(['p1']);
        expect(await P('_id=p1,p3')).toEqual(['p1', 'p3']);
        expect(await P('_id=p1&gender=female')).toEqual([]);
      });
    });

    describe('reference', () => {
      it('Type/id, id, :[type], absolute and own-base urls, :identifier, :missing', async () => {
        expect(await O('subject=Patient/p1')).toEqual(['o1']);
        expect(await O('subject=p1')).toEqual(['o1']);
        expect(await O('patient=p2')).toEqual(['o2']);
        expect(await O('subject:Patient=p2')).toEqual(['o2']);
        expect(await O('subject:Group=g1')).toEqual(['o4']);
        expect(await O('patient=g1')).toEqual([]);
        expect(await O('subject=http://elsewhere.example/fhir/Patient/p9')).toEqual(['o3']);
        expect(await O('subject=Patient/p9')).toEqual([]);
        expect(await O('subject=https://lucarne.example/fhir/Patient/p3')).toEqual(['o5']);
        expect(await O('subject=Patient/p3')).toEqual(['o5']);
        expect(await O('subject=Patient/p1,Patient/p2')).toEqual(['o1', 'o2']);
        expect(await ids('DiagnosticReport', 'subject:identifier=urn:oid:1.2.250.1.213.1.4.8|180')).toEqual(['d1']);
        // an identifier-only reference has a value (R4 :missing)
        expect(await ids('DiagnosticReport', 'subject:missing=true')).toEqual([]);
        expect(await O('subject:missing=true')).toEqual([]);
      });
    });

    describe('date, number, quantity', () => {
      it('the precision of the search value is a range, and prefixes compare ranges as R4 says', async () => {
        expect(await P('birthdate=1980')).toEqual(['p1', 'p2']);
        expect(await P('birthdate=1980-05')).toEqual(['p1']);
        expect(await P('birthdate=eq1980-05-02T10:00:00Z')).toEqual([]);
        expect(await P('birthdate=gt1980-01-01')).toEqual(['p1', 'p2']);
        expect(await P('birthdate=lt1980')).toEqual(['p3']);
        expect(await P('birthdate=ge1980')).toEqual(['p1', 'p2']);
        expect(await P('birthdate=le1980-05-02')).toEqual(['p1', 'p2', 'p3']);
        expect(await P('birthdate=sa1980-01-01')).toEqual(['p1']);
        expect(await P('birthdate=eb1980')).toEqual(['p3']);
        expect(await P('birthdate=ne1980')).toEqual(['p3']);
        expect(await P('birthdate=ap1980-05-01')).toEqual(['p1', 'p2', 'p3']);
        expect(await P('birthdate=ap1950')).toEqual([]);
        expect(await P('birthdate=ge1975&birthdate=lt1980')).toEqual(['p3']);
      });
      it('periods are ranges; time zones are respected; :missing', async () => {
        expect(await O('date=gt2024-01-01')).toEqual(['o2', 'o3']);
        expect(await O('date=lt2024-01-01')).toEqual(['o1']);
        expect(await O('date=2024-01-02')).toEqual(['o2', 'o3']);
        expect(await O('date=2024-01-01')).toEqual([]);
        expect(await O('date=2024-01-02T01:00:00Z')).toEqual(['o3']);
        expect(await O('date=eb2024-01-02')).toEqual(['o1']);
        expect(await O('date:missing=true')).toEqual(['o4', 'o5']);
      });
      it('eq needs one stored range to hold both bounds', async () => {
        expect(await ids('Encounter', 'location-period=2024')).toEqual(['e1']);
        expect(await ids('Encounter', 'location-period=2024-01')).toEqual(['e1']);
        expect(await ids('Encounter', 'location-period=2024-02')).toEqual([]);
        expect(await ids('Encounter', 'location-period=gt2024-02-15')).toEqual(['e1']);
      });
      it('quantities compare values, with or without a unit', async () => {
        expect(await O('value-quantity=72')).toEqual(['o1']);
        expect(await O('value-quantity=gt10')).toEqual(['o1']);
        expect(await O('value-quantity=lt10')).toEqual(['o2']);
        expect(await O('value-quantity=5.4|http://unitsofmeasure.org|mmol/L')).toEqual(['o2']);
        expect(await O('value-quantity=5.4||mmol/L')).toEqual(['o2']);
        expect(await O('value-quantity=5.4|http://unitsofmeasure.org|/min')).toEqual([]);
        expect(await O('value-quantity=ge5|http://unitsofmeasure.org|/min')).toEqual(['o1']);
      });
    });

    describe('composites, terminology modifiers, number prefixes', () => {
      const UCUM = 'http://unitsofmeasure.org';
      const GENDER = 'http://hl7.org/fhir/administrative-gender';
      const bp = (code: string, value: number) => ({ code: { coding: [{ system: LOINC, code }] }, valueQuantity: { value, system: UCUM, code: 'mm[Hg]' } });
      // Scoped by subject so the other cases' Observations never mix in.
      const Q = (q: string) => O(`subject=Patient/q1&${q}`);
      beforeAll(async () => {
        const panel = { system: LOINC, code: '85354-9' };
        const rs: R[] = [
          { resourceType: 'Observation', id: 'c1', status: 'final', subject: { reference: 'Patient/q1' },
            code: { coding: [{ system: LOINC, code: '8480-6' }] }, valueQuantity: { value: 100.3, system: UCUM, code: 'mm[Hg]' } },
          { resourceType: 'Observation', id: 'c2', status: 'amended', subject: { reference: 'Patient/q1' },
            code: { coding: [panel] }, component: [bp('8480-6', 150), bp('8462-4', 90)] },
          // 8480-6 and a value of 150, but not in the same component:
          { resourceType: 'Observation', id: 'c3', status: 'final', subject: { reference: 'Patient/q1' },
            code: { coding: [panel] }, component: [bp('8480-6', 90), bp('8462-4', 150)] },
          { resourceType: 'Observation', id: 'c4', status: 'final', subject: { reference: 'Patient/q1' },
            code: { text: 'sex' }, valueCodeableConcept: { coding: [{ system: GENDER, code: 'female' }] } },
          { resourceType: 'RiskAssessment', id: 'ra1', status: 'final', subject: { reference: 'Patient/q1' },
            prediction: [{ probabilityDecimal: 0.25 }] } as R,
        ];
        for (const r of rs) await put(r);
      });
      it('code-value-quantity: code and value of the same element', async () => {
        expect(await Q(`code-value-quantity=${LOINC}|8480-6$gt100`)).toEqual(['c1']);
        expect(await Q('code-value-quantity=8480-6$100.3|http://unitsofmeasure.org|mm[Hg]')).toEqual(['c1']);
        expect(await Q(`code-value-quantity=${LOINC}|8480-6$lt100`)).toEqual([]);
        expect(await Q(`code-value-quantity=${LOINC}|8462-4$gt100`)).toEqual([]);
      });
      it('component-code-value-quantity keeps components apart (same-element semantics)', async () => {
        expect(await Q(`component-code-value-quantity=${LOINC}|8480-6$gt140`)).toEqual(['c2']);
        expect(await Q('component-code-value-quantity=8462-4$gt140')).toEqual(['c3']);
        expect(await Q('component-code-value-quantity=8480-6$150')).toEqual(['c2']);
        expect(await Q('component-code-value-quantity=8480-6$150,8462-4$150')).toEqual(['c2', 'c3']);
        expect(await Q('component-code-value-quantity=8480-6$200')).toEqual([]);
        expect(await Q('component-code-value-quantity:missing=true')).toEqual(['c1', 'c4']);
      });
      it('token :in and :not-in on a ValueSet of the definitions', async () => {
        expect(await Q('status:in=http://hl7.org/fhir/ValueSet/observation-status')).toEqual(['c1', 'c2', 'c3', 'c4']);
        expect(await Q('status:not-in=http://hl7.org/fhir/ValueSet/observation-status')).toEqual([]);
        expect(await Q('value-concept:in=http://hl7.org/fhir/ValueSet/administrative-gender')).toEqual(['c4']);
        expect(await Q('value-concept:not-in=http://hl7.org/fhir/ValueSet/administrative-gender')).toEqual(['c1', 'c2', 'c3']);
      });
      it('number and quantity gt/lt/ge/le compare with the exact value, ap is ±10% of it', async () => {
        expect(await Q('value-quantity=le100')).toEqual([]);
        expect(await Q('value-quantity=gt100')).toEqual(['c1']);
        expect(await Q('value-quantity=ge100.3')).toEqual(['c1']);
        expect(await Q('value-quantity=lt100.3')).toEqual([]);
        expect(await Q('value-quantity=ap50')).toEqual([]);
        expect(await Q('value-quantity=ap100')).toEqual(['c1']);
        expect(await Q('value-quantity=ap111')).toEqual(['c1']);
        expect(await Q('value-quantity=ap112')).toEqual([]);
        const RA = (q: string) => ids('RiskAssessment', q);
        expect(await RA('probability=le0.2')).toEqual([]);
        expect(await RA('probability=gt0.2')).toEqual(['ra1']);
        expect(await RA('probability=lt0.25')).toEqual([]);
        expect(await RA('probability=ge0.25')).toEqual(['ra1']);
        expect(await RA('probability=ap0.5')).toEqual([]);
        expect(await RA('probability=ap0.27')).toEqual(['ra1']);
        expect(await RA('probability=0.25')).toEqual(['ra1']);
      });
    });

    describe('results', () => {
      it('sorts by parameters (missing values last), _id and _lastUpdated', async () => {
        expect((await search('Patient', '_sort=family')).ids).toEqual(['p1', 'p2', 'p3', 'p4']);
        expect((await search('Patient', '_sort=-birthdate')).ids).toEqual(['p2', 'p1', 'p3', 'p4']);
        expect((await search('Patient', '_sort=birthdate')).ids).toEqual(['p3', 'p2', 'p1', 'p4']);
        expect((await search('Patient', '_sort=-_id')).ids).toEqual(['p4', 'p3', 'p2', 'p1']);
        expect((await search('Patient', '_sort=gender,-_id')).ids).toEqual(['p2', 'p3', 'p1', 'p4']);
        expect((await search('Patient', '_sort=-_lastUpdated')).ids).toEqual(['p4', 'p3', 'p2', 'p1']);
      });
      it('pages with _count and _offset, reports hasMore and the total', async () => {
        expect(await search('Patient', '_sort=_id&_count=3&_total=accurate')).toMatchObject({ ids: ['p1', 'p2', 'p3'], hasMore: true, total: 4 });
        expect(await search('Patient', '_sort=_id&_count=3&_offset=3')).toMatchObject({ ids: ['p4'], hasMore: false });
        expect(await search('Patient', 'gender=male&_count=0')).toMatchObject({ ids: [], total: 2 });
        expect(await search('Encounter', 'location-period=2024&_count=0')).toMatchObject({ ids: [], total: 1 });
      });
      it('_lastUpdated filters on the write instant', async () => {
        const saved = t;
        t = Date.parse('2020-06-01T12:00:00Z') - 1000;
        await put({ resourceType: 'Endpoint', id: 'e1', status: 'active', connectionType: { code: 'dicom-wado-rs' }, payloadType: [], address: 'http://pacs/wado' } as R);
        t = saved;
        expect(await ids('Endpoint', '_lastUpdated=2020-06-01')).toEqual(['e1']);
        expect(await ids('Endpoint', '_lastUpdated=gt2020-06-01')).toEqual([]);
        expect(await ids('Endpoint', '_lastUpdated=lt2021')).toEqual(['e1']);
        expect(await ids('Endpoint', 'connection-type=dicom-wado-rs')).toEqual(['e1']);
      });
      it('restricts to a patient compartment', async () => {
        const { request } = parseSearchRequest(definitions, ['Observation', 'Encounter', 'Patient'], {});
        const compartment: SearchRequest = { ...request, compartment: { resourceType: 'Patient', id: 'p1' } };
        const result = await store.search(compartment);
        expect(result.entries.map((e) => `${e.resourceType}/${e.id}`).sort()).toEqual(['Encounter/e1', 'Observation/o1', 'Patient/p1']);
      });
      it('restricts to several patients\' compartments, leaving types outside the compartment open when asked', async () => {
        const { request } = parseSearchRequest(definitions, ['Observation', 'Patient', 'Endpoint'], { _total: 'accurate' });
        const of = async (compartment: SearchRequest['compartment']) => {
          const result = await store.search({ ...request, compartment });
          return { refs: result.entries.map((e) => `${e.resourceType}/${e.id}`).sort(), total: result.total };
        };
        expect(await of({ resourceType: 'Patient', id: 'p1', ids: ['p1', 'p2'] })).toEqual({ refs: ['Observation/o1', 'Observation/o2', 'Patient/p1', 'Patient/p2'], total: 4 });
        const open = await of({ resourceType: 'Patient', id: 'p2', ids: ['p2'], otherTypes: 'open' });
        expect(open.refs.filter((r) => !r.startsWith('Endpoint/'))).toEqual(['Observation/o2', 'Patient/p2']);
        expect(open.refs.some((r) => r.startsWith('Endpoint/'))).toBe(true);
      });
      it('follows updates and deletes', async () => {
        await put({ resourceType: 'Patient', id: 'p9', name: [{ family: 'Zola' }], gender: 'male' } as R);
        expect(await P('family=zola')).toEqual(['p9']);
        await put({ resourceType: 'Patient', id: 'p9', name: [{ family: 'Hugo' }], gender: 'male' } as R);
        expect(await P('family=zola')).toEqual([]);
        expect(await P('family=hugo')).toEqual(['p9']);
        await store.delete('Patient', 'p9');
        expect(await P('family=hugo')).toEqual([]);
        expect(await P('gender=male')).toEqual(['p1', 'p3']);
      });
    });
  });
}
