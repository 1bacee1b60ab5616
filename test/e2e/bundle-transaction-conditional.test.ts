import type { Bundle, BundleEntry, Observation, OperationOutcome, Patient } from '@medplum/fhirtypes';
import { FHIR_JSON, startBundleTestServer, type BundleTestServer } from './bundle-test-helpers';

let server: BundleTestServer;
beforeAll(async () => {
  server = await startBundleTestServer();
});
afterAll(async () => {
  await server.close();
});

const post = (body: unknown, headers: Record<string, string> = {}) =>
  server.http.post('/fhir').set('Content-Type', FHIR_JSON).set(headers).send(JSON.stringify(body));
const transaction = (...entry: BundleEntry[]): Bundle => ({ resourceType: 'Bundle', type: 'transaction', entry });

async function createPatient(identifier: string, family = 'Known'): Promise<Patient> {
  const res = await server.http
    .post('/fhir/Patient')
    .set('Content-Type', FHIR_JSON)
    .send(JSON.stringify({ resourceType: 'Patient', identifier: [{ system: 'urn:test', value: identifier }], name: [{ family }] }));
  expect(res.status).toBe(201);
  return res.body as Patient;
}

async function search(type: string, query: string): Promise<Bundle> {
  const res = await server.http.get(`/fhir/${type}?${query}`);
  expect(res.status).toBe(200);
  return res.body as Bundle;
}

describe('transaction: conditional references and conditional interactions', () => {
  it('resolves a conditional reference to the single match', async () => {
    const patient = await createPatient('cond-1');
    const res = await post(
      transaction({
        resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient?identifier=urn:test|cond-1' } },
        request: { method: 'POST', url: 'Observation' },
      }),
    );
    expect(res.status).toBe(200);
    const obs = (res.body as Bundle).entry?.[0].resource as Observation;
    expect(obs.subject?.reference).toBe(`Patient/${patient.id}`);
  });

  it('fails with 412 naming the entry when a conditional reference matches none or several, writing nothing', async () => {
    await createPatient('twin');
    await createPatient('twin');
    for (const criteria of ['identifier=urn:test|nobody', 'identifier=urn:test|twin']) {
      const res = await post(
        transaction(
          { resource: { resourceType: 'Patient', name: [{ family: 'ShouldNotExist' }] }, request: { method: 'POST', url: 'Patient' } },
          {
            resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: `Patient?${criteria}` } },
            request: { method: 'POST', url: 'Observation' },
          },
        ),
      );
      expect(res.status).toBe(412);
      const outcome = res.body as OperationOutcome;
      expect(outcome.issue[0].diagnostics).toContain('Bundle.entry[1] (POST Observation)');
      expect(outcome.issue[0].expression?.[0]).toMatch(/^Bundle\.entry\[1\]/);
    }
    expect((await search('Patient', 'family=ShouldNotExist')).entry ?? []).toHaveLength(0);
  });

  it('ifNoneExist: an existing match is returned (200) and references point to it; no match creates', async () => {
    const existing = await createPatient('ine-1');
    const P = 'urn:uuid:7a1d0d5e-0000-4000-8000-000000000001';
    const Q = 'urn:uuid:7a1d0d5e-0000-4000-8000-000000000002';
    const res = await post(
      transaction(
        { fullUrl: P, resource: { resourceType: 'Patient', identifier: [{ system: 'urn:test', value: 'ine-1' }] }, request: { method: 'POST', url: 'Patient', ifNoneExist: 'identifier=urn:test|ine-1' } },
        { fullUrl: Q, resource: { resourceType: 'Patient', identifier: [{ system: 'urn:test', value: 'ine-2' }] }, request: { method: 'POST', url: 'Patient', ifNoneExist: 'identifier=urn:test|ine-2' } },
        { resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: P }, focus: [{ reference: Q }] }, request: { method: 'POST', url: 'Observation' } },
      ),
    );
    expect(res.status).toBe(200);
    const entries = (res.body as Bundle).entry ?? [];
    expect(entries.map((e) => e.response?.status)).toEqual(['200 OK', '201 Created', '201 Created']);
    expect(entries[0].resource?.id).toBe(existing.id);
    const created = entries[1].resource as Patient;
    const obs = entries[2].resource as Observation;
    expect(obs.subject?.reference).toBe(`Patient/${existing.id}`);
    expect(obs.focus?.[0].reference).toBe(`Patient/${created.id}`);
    expect((await search('Patient', 'identifier=urn:test|ine-1')).entry).toHaveLength(1);
  });

  it('a stale ifMatch rolls the whole transaction back: nothing of it is visible', async () => {
    const patient = await createPatient('stale', 'Before');
    const update = { ...patient, name: [{ family: 'After' }] };
    const first = await server.http.put(`/fhir/Patient/${patient.id}`).set('Content-Type', FHIR_JSON).send(JSON.stringify(update));
    expect(first.status).toBe(200);
    const res = await post(
      transaction(
        { resource: { resourceType: 'Patient', name: [{ family: 'RolledBack' }] }, request: { method: 'POST', url: 'Patient' } },
        { resource: { ...patient, name: [{ family: 'Stale' }] }, request: { method: 'PUT', url: `Patient/${patient.id}`, ifMatch: 'W/"1"' } },
      ),
    );
    expect(res.status).toBe(412);
    expect(JSON.stringify(res.body)).toContain(`Bundle.entry[1] (PUT Patient/${patient.id})`);
    expect((await search('Patient', 'family=RolledBack')).entry ?? []).toHaveLength(0);
    const current = (await server.http.get(`/fhir/Patient/${patient.id}`)).body as Patient;
    expect(current.meta?.versionId).toBe('2');
    expect(current.name?.[0].family).toBe('After');
  });

  it('per-entry ifMatch naming the current version succeeds, and the GET sees the PUT', async () => {
    const patient = await createPatient('inm');
    const res = await post(
      transaction(
        { request: { method: 'GET', url: `Patient/${patient.id}`, ifNoneMatch: 'W/"1"' } },
        { resource: { ...patient, active: true }, request: { method: 'PUT', url: `Patient/${patient.id}`, ifMatch: 'W/"1"' } },
      ),
    );
    expect(res.status).toBe(200);
    const entries = (res.body as Bundle).entry ?? [];
    expect(entries[1].response?.status).toBe('200 OK');
    expect(entries[1].response?.etag).toBe('W/"2"');
    // The GET runs after the PUT (R4 order), so version 1 is no longer current: a full read.
    expect(entries[0].response?.status).toBe('200 OK');
    expect((entries[0].resource as Patient).active).toBe(true);
  });

  it('processes DELETE before POST, POST before PUT, and GET last, whatever the Bundle order', async () => {
    const old = await createPatient('order-old', 'OrderOld');
    const NEW = 'urn:uuid:7a1d0d5e-0000-4000-8000-0000000000f1';
    const res = await post(
      transaction(
        { request: { method: 'GET', url: 'Patient?identifier=urn:test|order-old,urn:test|order-new' } },
        { fullUrl: `${'urn:uuid:7a1d0d5e-0000-4000-8000-0000000000f2'}`, resource: { resourceType: 'Patient', id: 'order-put', identifier: [{ system: 'urn:test', value: 'order-put' }], link: [{ other: { reference: NEW }, type: 'seealso' }] }, request: { method: 'PUT', url: 'Patient/order-put' } },
        { fullUrl: NEW, resource: { resourceType: 'Patient', identifier: [{ system: 'urn:test', value: 'order-new' }] }, request: { method: 'POST', url: 'Patient', ifNoneExist: 'identifier=urn:test|order-old' } },
        { request: { method: 'DELETE', url: `Patient/${old.id}` } },
      ),
    );
    expect(res.status).toBe(200);
    const entries = (res.body as Bundle).entry ?? [];
    // The DELETE ran first, so ifNoneExist no longer matched the old patient: a new one was created.
    expect(entries[2].response?.status).toBe('201 Created');
    const created = entries[2].resource as Patient;
    expect(created.id).not.toBe(old.id);
    expect((entries[1].resource as Patient).link?.[0].other.reference).toBe(`Patient/${created.id}`);
    const searchset = entries[0].resource as Bundle;
    expect(searchset.entry?.map((e) => e.resource?.id)).toEqual([created.id]);
    expect((await server.http.get(`/fhir/Patient/${old.id}`)).status).toBe(410);
  });

  it('refuses a transaction that changes the same resource twice', async () => {
    const patient = await createPatient('twice');
    const res = await post(
      transaction(
        { request: { method: 'DELETE', url: `Patient/${patient.id}` } },
        { resource: { ...patient, active: false }, request: { method: 'PUT', url: `Patient/${patient.id}` } },
      ),
    );
    expect(res.status).toBe(400);
    expect((await server.http.get(`/fhir/Patient/${patient.id}`)).status).toBe(200);
  });

  it('honours Prefer: return=minimal for every entry', async () => {
    const res = await post(transaction({ resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } }), { Prefer: 'return=minimal' });
    expect(res.status).toBe(200);
    const entry = (res.body as Bundle).entry?.[0];
    expect(entry?.resource).toBeUndefined();
    expect(entry?.response?.location).toMatch(/Patient\/[^/]+\/_history\/1$/);
  });

  it('a failing entry in the middle answers its status and the validation issues located in the Bundle', async () => {
    const res = await post(
      transaction(
        { resource: { resourceType: 'Patient', name: [{ family: 'Invalid1' }] }, request: { method: 'POST', url: 'Patient' } },
        { resource: { resourceType: 'Patient', birthDate: 'not-a-date' } as Patient, request: { method: 'POST', url: 'Patient' } },
      ),
    );
    expect([400, 422]).toContain(res.status);
    const outcome = res.body as OperationOutcome;
    expect(outcome.issue.some((i) => i.expression?.some((e) => e.startsWith('Bundle.entry[1].resource.birthDate')))).toBe(true);
    expect((await search('Patient', 'family=Invalid1')).entry ?? []).toHaveLength(0);
  });
});
