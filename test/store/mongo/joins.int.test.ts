import type { Resource } from '@medplum/fhirtypes';
import { parseSearchRequest } from '../../../src/fhir/search/parse-search';
import type { MongoStore } from '../../../src/store/mongo/mongo-store';
import { describeMongo, dropTestStore, openTestStore, testDefinitions } from '../../mongo/mongo-test-env';

/** Chains, _has, _include and _revinclude on the MongoDB store (resolved through the `k` reference keys). */
describeMongo('MongoDB store: chains and includes', () => {
  let store: MongoStore;
  const ids = (list: { resourceType: string; id: string }[]) => list.map((r) => `${r.resourceType}/${r.id}`).sort();
  const search = async (type: string, query: string) => {
    const { request } = parseSearchRequest(testDefinitions(), type, new URLSearchParams(query), {});
    return store.search(request);
  };
  beforeAll(async () => {
    store = await openTestStore('joins');
    const put = (r: Resource & { id: string }) => store.update(r);
    await put({ resourceType: 'Organization', id: 'chu', name: 'CHU Nord' });
    await put({ resourceType: 'Organization', id: 'clinic', name: 'Clinique' });
    await put({ resourceType: 'Patient', id: 'p1', managingOrganization: { reference: 'Organization/chu' } });
    await put({ resourceType: 'Patient', id: 'p2', managingOrganization: { reference: 'Organization/clinic' } });
    await put({ resourceType: 'Patient', id: 'p3', managingOrganization: { reference: 'Organization/chu' } });
    await put({ resourceType: 'ImagingStudy', id: 's1', status: 'available', subject: { reference: 'Patient/p1' } });
    await put({ resourceType: 'ImagingStudy', id: 's2', status: 'cancelled', subject: { reference: 'Patient/p2' } });
    await put({ resourceType: 'Provenance', id: 'prov1', recorded: '2024-01-01T00:00:00Z', agent: [{ who: { display: 'x' } }], target: [{ reference: 'ImagingStudy/s1' }] });
    await store.delete('Patient', 'p3');
  });
  afterAll(() => dropTestStore(store));

  it('follows forward chains over two levels, and _has backwards', async () => {
    expect(ids((await search('ImagingStudy', 'subject:Patient.organization.name=chu')).entries)).toEqual(['ImagingStudy/s1']);
    expect(ids((await search('ImagingStudy', 'subject:Patient.organization.name=nothing')).entries)).toEqual([]);
    expect(ids((await search('Patient', '_has:ImagingStudy:subject:status=available')).entries)).toEqual(['Patient/p1']);
    expect(ids((await search('Organization', '_has:Patient:organization:_has:ImagingStudy:subject:status=cancelled')).entries))
      .toEqual(['Organization/clinic']);
  });

  it('adds _include targets and _revinclude sources once, never deleted ones, and :iterate follows further', async () => {
    const inc = await search('ImagingStudy', 'status=available&_include=ImagingStudy:subject&_revinclude=Provenance:target');
    expect(ids(inc.entries)).toEqual(['ImagingStudy/s1']);
    expect(ids(inc.included)).toEqual(['Patient/p1', 'Provenance/prov1']);
    const iterate = await search('ImagingStudy', '_include=ImagingStudy:subject&_include:iterate=Patient:organization');
    expect(ids(iterate.included)).toEqual(['Organization/chu', 'Organization/clinic', 'Patient/p1', 'Patient/p2']);
    const deleted = await search('Organization', '_id=chu&_revinclude=Patient:organization');
    expect(ids(deleted.included)).toEqual(['Patient/p1']);
    const star = await search('Provenance', '_include=Provenance:*');
    expect(ids(star.included)).toEqual(['ImagingStudy/s1']);
  });
});
