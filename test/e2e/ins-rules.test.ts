import type { OperationOutcome, Patient } from '@medplum/fhirtypes';
import { FHIR_JSON, startBundleTestServer, type BundleTestServer } from './bundle-test-helpers';

/*
 * The INS rules hold on every write of a Patient, with no profile declared: the check key (422) and one
 * INS per current Patient (409 naming the holder) unless the records are linked as the same person.
 */
const NIR = 'urn:oid:1.2.250.1.213.1.4.8';
const NIA = 'urn:oid:1.2.250.1.213.1.4.9';

let server: BundleTestServer;
beforeAll(async () => {
  server = await startBundleTestServer();
});
afterAll(() => server.close());

let serial = 100;
/** A fresh valid NIR (or NIA when `nia`): 13-digit body plus its check key. */
function freshIns(first = '1'): string {
  const body = `${first}8502750${String(serial++).padStart(3, '0')}12`.slice(0, 13);
  return `${body}${String(97 - Number(BigInt(body) % 97n)).padStart(2, '0')}`;
}
const wrongKey = (ins: string) => `${ins.slice(0, 13)}${String((Number(ins.slice(13)) % 97) + 1).padStart(2, '0')}`;

const patient = (value: string, extra: Partial<Patient> = {}, system = NIR): Patient => ({
  resourceType: 'Patient', identifier: [{ system: 'urn:oid:1.2.250.1.71.4.2.7', value: 'IPP-1' }, { system, value }],
  name: [{ family: 'Martin' }], ...extra,
});
const post = (body: object) => server.http.post('/fhir/Patient').set('Content-Type', FHIR_JSON).send(JSON.stringify(body));
const put = (id: string, body: object) =>
  server.http.put(`/fhir/Patient/${id}`).set('Content-Type', FHIR_JSON).send(JSON.stringify({ ...body, id }));
const diagnostics = (body: unknown) => ((body as OperationOutcome).issue ?? []).map((i) => i.diagnostics).join(' ');

describe('INS check key on every write', () => {
  it('refuses a wrong NIR key on a plain Patient (no profile) with 422, and accepts the right one', async () => {
    const ins = freshIns();
    const bad = await post(patient(wrongKey(ins)));
    expect(bad.status).toBe(422);
    expect(bad.body.resourceType).toBe('OperationOutcome');
    expect(bad.body.issue[0].expression).toEqual(['Patient.identifier[1].value']);
    expect((await post(patient(ins))).status).toBe(201);
  });

  it('checks NIA keys and Corsica departments (2A counts as 19, 2B as 18)', async () => {
    expect((await post(patient('185022A00500103', {}, NIA))).status).toBe(201);
    expect((await post(patient('185022B00500130'))).status).toBe(201);
    expect((await post(patient('185022A00500130'))).status).toBe(422);
    expect((await post(patient(wrongKey(freshIns('8')), {}, NIA))).status).toBe(422);
  });

  it('checks updates, conditional creates, PATCH and batch entries', async () => {
    const ins = freshIns();
    const created = await post(patient(ins));
    const id = created.body.id as string;
    expect((await put(id, patient(wrongKey(ins)))).status).toBe(422);

    const conditional = await server.http.post('/fhir/Patient').set('Content-Type', FHIR_JSON)
      .set('If-None-Exist', 'identifier=urn:oid:1.2.250.1.71.4.2.7|nobody').send(JSON.stringify(patient(wrongKey(freshIns()))));
    expect(conditional.status).toBe(422);

    const patched = await server.http.patch(`/fhir/Patient/${id}`).set('Content-Type', 'application/json-patch+json')
      .send(JSON.stringify([{ op: 'replace', path: '/identifier/1/value', value: wrongKey(ins) }]));
    expect(patched.status).toBe(422);
    expect((await server.http.get(`/fhir/Patient/${id}`)).body.identifier[1].value).toBe(ins);

    const batch = await server.http.post('/fhir').set('Content-Type', FHIR_JSON).send(JSON.stringify({
      resourceType: 'Bundle', type: 'batch',
      entry: [{ resource: patient(wrongKey(freshIns())), request: { method: 'POST', url: 'Patient' } }],
    }));
    expect(batch.status).toBe(200);
    expect(batch.body.entry[0].response.status).toMatch(/^422/);
  });
});

describe('INS check key in $validate', () => {
  it('reports a wrong key as an error issue (200), with no profile asked for', async () => {
    const res = await server.http.post('/fhir/Patient/$validate').set('Content-Type', FHIR_JSON).send(JSON.stringify(patient(wrongKey(freshIns()))));
    expect(res.status).toBe(200);
    expect(res.body.issue).toEqual([expect.objectContaining({ severity: 'error', expression: ['Patient.identifier[1].value'] })]);
    const ok = await server.http.post('/fhir/Patient/$validate').set('Content-Type', FHIR_JSON).send(JSON.stringify(patient(freshIns())));
    expect(ok.body.issue[0].diagnostics).toBe('All OK');
  });
});

describe('one INS, one current Patient', () => {
  it('refuses a second Patient with the same INS with 409 naming the first, and writes nothing', async () => {
    const ins = freshIns();
    const first = await post(patient(ins));
    expect(first.status).toBe(201);
    const second = await post(patient(ins, { name: [{ family: 'Other' }] }));
    expect(second.status).toBe(409);
    expect(second.body.resourceType).toBe('OperationOutcome');
    expect(diagnostics(second.body)).toContain(`Patient/${first.body.id}`);
    // Written differently (spaces), it is the same INS.
    const spaced = `${ins.slice(0, 1)} ${ins.slice(1, 3)} ${ins.slice(3)}`;
    expect((await post(patient(spaced))).status).toBe(409);
    const found = await server.http.get(`/fhir/Patient?identifier=${NIR}|${ins}`);
    expect(found.body.entry).toHaveLength(1);
  });

  it('refuses an update or a batch entry that takes another Patient\'s INS', async () => {
    const ins = freshIns();
    const holder = (await post(patient(ins))).body.id as string;
    const other = (await post(patient(freshIns()))).body.id as string;
    const res = await put(other, patient(ins));
    expect(res.status).toBe(409);
    expect(diagnostics(res.body)).toContain(`Patient/${holder}`);
    const batch = await server.http.post('/fhir').set('Content-Type', FHIR_JSON).send(JSON.stringify({
      resourceType: 'Bundle', type: 'batch',
      entry: [{ resource: patient(ins), request: { method: 'POST', url: 'Patient' } }],
    }));
    expect(batch.body.entry[0].response.status).toMatch(/^409/);
  });

  it('allows the same INS on a record linked to the holder as the same person, either direction', async () => {
    const ins = freshIns();
    const a = (await post(patient(ins))).body.id as string;
    const b = await post(patient(ins, { link: [{ type: 'replaces', other: { reference: `Patient/${a}` } }] }));
    expect(b.status).toBe(201);

    const ins2 = freshIns();
    const c = (await post(patient(freshIns()))).body.id as string;
    const d = (await post(patient(ins2, { link: [{ type: 'seealso', other: { reference: `Patient/${c}` } }] }))).body.id as string;
    // c links back to nothing, d to c: c may now take d's INS because d points at c.
    expect((await put(c, patient(ins2))).status).toBe(200);
    expect(d).toBeDefined();
  });

  it('lets a deactivated INS (use old) and an NSS typed NH be shared', async () => {
    const ins = freshIns();
    expect((await post(patient(ins))).status).toBe(201);
    const old = patient(ins);
    old.identifier![1].use = 'old';
    expect((await post(old)).status).toBe(201);
    const nss = patient(ins);
    nss.identifier![1].type = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'NH' }] };
    expect((await post(nss)).status).toBe(201);
  });

  it('lets exactly one of two simultaneous creates with the same INS succeed', async () => {
    for (let round = 0; round < 3; round++) {
      const ins = freshIns();
      const results = await Promise.all([post(patient(ins)), post(patient(ins))]);
      expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
      const found = await server.http.get(`/fhir/Patient?identifier=${NIR}|${ins}`);
      expect(found.body.entry).toHaveLength(1);
    }
  });

  it('refuses a transaction Bundle whose entries share an INS, writing none of them', async () => {
    if (!server.app.ctx.store.supportsTransactions) return; // refused whole (501) there: see rest-e2e.int.test.ts
    const ins = freshIns();
    const res = await server.http.post('/fhir').set('Content-Type', FHIR_JSON).send(JSON.stringify({
      resourceType: 'Bundle', type: 'transaction',
      entry: [patient(ins), patient(ins, { name: [{ family: 'Twin' }] })].map((resource) => ({ resource, request: { method: 'POST', url: 'Patient' } })),
    }));
    expect(res.status).toBe(409);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect((await server.http.get(`/fhir/Patient?identifier=${NIR}|${ins}`)).body.entry ?? []).toHaveLength(0);
  });

  it('releases the INS an update changes, and the INS of a deleted Patient', async () => {
    const ins = freshIns();
    const a = (await post(patient(ins))).body.id as string;
    expect((await put(a, patient(freshIns()))).status).toBe(200);
    const b = (await post(patient(ins)));
    expect(b.status).toBe(201);
    expect((await server.http.delete(`/fhir/Patient/${b.body.id}`)).status).toBe(204);
    expect((await post(patient(ins))).status).toBe(201);
  });
});
