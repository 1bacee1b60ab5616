import type { Bundle, CapabilityStatement, OperationDefinition, Resource, StructureDefinition } from '@medplum/fhirtypes';
import request from 'supertest';
import { LUCARNE_PROFILES, readJsonFolder } from './ig-files';
import { startIgServer, type IgServer } from './ig-test-server';

const FHIR_JSON = 'application/fhir+json';
const CONFORMANCE_TYPES = ['StructureDefinition', 'ValueSet', 'CodeSystem', 'SearchParameter', 'OperationDefinition', 'ImplementationGuide'];
const shipped = [...readJsonFolder<Resource>('profiles'), ...readJsonFolder<Resource>('ig'), ...readJsonFolder<Resource>('terminology')]
  .map((f) => f.resource)
  .filter((r) => CONFORMANCE_TYPES.includes(r.resourceType) && !(r as { url?: string }).url?.startsWith('http://hl7.org/'));

let server: IgServer;
const get = (path: string) => request(server.http).get(`/fhir/${path}`);
const matches = (bundle: Bundle) => (bundle.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource as Resource);

beforeAll(async () => {
  server = await startIgServer();
});
afterAll(() => server.close());

describe('the conformance resources Lucarne loaded, served read-only', () => {
  it('reads a profile by id, as shipped', async () => {
    const res = await get('StructureDefinition/lucarne-patient').expect(200);
    expect(res.body).toMatchObject({ resourceType: 'StructureDefinition', id: 'lucarne-patient', url: LUCARNE_PROFILES.find((u) => u.endsWith('/lucarne-patient')) });
    expect(res.headers.etag).toBe('W/"1"');
  });

  it.each(shipped.map((r) => [`${r.resourceType}/${r.id}`, r] as const))('%s can be read, and found by url', async (_, resource) => {
    const read = await get(`${resource.resourceType}/${resource.id}`);
    expect(read.status).toBe(200);
    const url = (resource as { url: string }).url;
    const found = matches((await get(`${resource.resourceType}?url=${encodeURIComponent(url)}`).expect(200)).body);
    expect(found.map((r) => r.id)).toContain(resource.id);
  });

  it('searches by name and status like any resource, ', async () => {
    const byName = (await get('StructureDefinition?name=LucarnePatient').expect(200)).body as Bundle;
    expect(matches(byName).map((r) => r.id)).toEqual(['lucarne-patient']);
    const active = (await get('ValueSet?status=active&url:below=https://lucarne.example/fhir&_count=100').expect(200)).body as Bundle;
    const shippedValueSets = shipped.filter((r) => r.resourceType === 'ValueSet' && (r as { url: string }).url.startsWith('https://lucarne.example/fhir'));
    expect(matches(active).map((r) => r.id).sort()).toEqual(shippedValueSets.filter((r) => (r as { status: string }).status === 'active').map((r) => r.id).sort());
    expect(active.total).toBe(matches(active).length);
  });

  it('serves the R4 base definitions the profiles derive from', async () => {
    const profile = (await get('StructureDefinition/lucarne-imaging-study').expect(200)).body as StructureDefinition;
    const found = matches((await get(`StructureDefinition?url=${encodeURIComponent(profile.baseDefinition!)}`).expect(200)).body);
    expect(found.map((r) => (r as StructureDefinition).url)).toEqual([profile.baseDefinition]);
  });

  it('has a history of one version per resource', async () => {
    const history = (await get('StructureDefinition/lucarne-patient/_history').expect(200)).body as Bundle;
    expect(history.entry?.map((e) => e.resource?.meta?.versionId)).toEqual(['1']);
  });

  it('leaves them out of a system search that mixes them with other types, and says so', async () => {
    const res = (await get('?_type=Patient,ValueSet').expect(200)).body as Bundle;
    expect(matches(res).filter((r) => r.resourceType === 'ValueSet')).toEqual([]);
    const outcome = res.entry?.find((e) => e.search?.mode === 'outcome')?.resource as { issue: { diagnostics: string }[] } | undefined;
    expect(outcome?.issue.map((i) => i.diagnostics).join(' ')).toMatch(/ValueSet cannot be searched together with other types/);
  });

  it('refuses every write to those types with 405 and an OperationOutcome', async () => {
    const body = { resourceType: 'ValueSet', status: 'active', url: 'urn:test:new' };
    const created = await request(server.http).post('/fhir/ValueSet').set('Content-Type', FHIR_JSON).send(body);
    expect(created.status).toBe(405);
    expect(created.body.resourceType).toBe('OperationOutcome');
    const updated = await request(server.http).put('/fhir/StructureDefinition/lucarne-patient').set('Content-Type', FHIR_JSON)
      .send({ ...(await get('StructureDefinition/lucarne-patient')).body, status: 'retired' });
    expect(updated.status).toBe(405);
    expect((await request(server.http).delete('/fhir/CodeSystem/ccam-imaging')).status).toBe(405);
    expect((await get('CodeSystem/ccam-imaging')).status).toBe(200);
  });

  it('refuses them inside Bundles: the transaction writes nothing, the batch entry gets 405', async () => {
    const entries = [
      { resource: { resourceType: 'Patient', name: [{ family: 'Ratel' }] }, request: { method: 'POST', url: 'Patient' } },
      { resource: { resourceType: 'ValueSet', status: 'active' }, request: { method: 'POST', url: 'ValueSet' } },
    ];
    const tx = await request(server.http).post('/fhir').set('Content-Type', FHIR_JSON).send({ resourceType: 'Bundle', type: 'transaction', entry: entries });
    expect(tx.status).toBe(405);
    expect((await get('Patient?family=ratel').expect(200)).body.entry ?? []).toHaveLength(0);
    const batch = await request(server.http).post('/fhir').set('Content-Type', FHIR_JSON).send({ resourceType: 'Bundle', type: 'batch', entry: entries });
    expect(batch.status).toBe(200);
    expect(batch.body.entry.map((e: { response: { status: string } }) => e.response.status.slice(0, 3))).toEqual(['201', '405']);
  });
});

describe('the live CapabilityStatement', () => {
  let cs: CapabilityStatement;
  beforeAll(async () => {
    cs = (await get('metadata').expect(200)).body as CapabilityStatement;
  });

  it('lists only reading interactions for the read-only types, and says why', () => {
    for (const type of CONFORMANCE_TYPES) {
      const entry = cs.rest?.[0]?.resource?.find((r) => r.type === type);
      expect([type, (entry?.interaction ?? []).map((i) => i.code).sort()]).toEqual([type, ['history-instance', 'history-type', 'read', 'search-type', 'vread']]);
      expect(entry).toMatchObject({ updateCreate: false, conditionalCreate: false, conditionalUpdate: false, conditionalDelete: 'not-supported' });
      expect(entry?.documentation).toMatch(/Read-only.*405/);
    }
    const patient = cs.rest?.[0]?.resource?.find((r) => r.type === 'Patient');
    expect((patient?.interaction ?? []).map((i) => i.code)).toContain('create');
  });

  it('names the implementation guide, which can be read at its URL', async () => {
    expect(cs.implementationGuide).toEqual(['https://lucarne.example/fhir/ImplementationGuide/lucarne']);
    const found = matches((await get(`ImplementationGuide?url=${encodeURIComponent(cs.implementationGuide![0])}`).expect(200)).body);
    expect(found).toHaveLength(1);
  });

  it('lists each Lucarne profile as a supportedProfile of its type', async () => {
    const supported = (cs.rest?.[0]?.resource ?? []).flatMap((r) => (r.supportedProfile ?? []).map((url) => [r.type, url]));
    expect(supported.map(([, url]) => url).sort()).toEqual([...LUCARNE_PROFILES].sort());
    for (const [type, url] of supported) {
      const [profile] = matches((await get(`StructureDefinition?url=${encodeURIComponent(url)}`).expect(200)).body) as StructureDefinition[];
      expect([url, profile?.type]).toEqual([url, type]);
    }
  });

  it('points every operation at an OperationDefinition of that code readable through the API, Lucarne\'s own for the imaging ones', async () => {
    const operations = [...(cs.rest?.[0]?.operation ?? []), ...(cs.rest?.[0]?.resource ?? []).flatMap((r) => r.operation ?? [])];
    const urls = new Map(operations.map((o) => [o.definition, o.name]));
    for (const [url, name] of urls) {
      const [definition] = matches((await get(`OperationDefinition?url=${encodeURIComponent(url)}`).expect(200)).body) as OperationDefinition[];
      expect([url, definition?.code]).toEqual([url, name]);
    }
    for (const name of ['imaging-record', 'dose-summary', 'dose-statistics']) {
      expect([...urls].filter(([, n]) => n === name).map(([url]) => url)).toEqual([`https://lucarne.example/fhir/OperationDefinition/${name}`]);
    }
  });
});
