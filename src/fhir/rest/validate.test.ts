import type { OperationOutcome, Patient } from '@medplum/fhirtypes';
import { FHIR_JSON, startBundleTestServer, type BundleTestServer } from '../../../test/e2e/bundle-test-helpers';

// End-to-end through HTTP and the real embedded store (kept beside validate.ts, which it covers).
let server: BundleTestServer;
beforeAll(async () => {
  server = await startBundleTestServer();
});
afterAll(async () => {
  await server.close();
});

const post = (url: string, body: unknown) => server.http.post(url).set('Content-Type', FHIR_JSON).send(JSON.stringify(body));
const params = (resource: unknown, mode?: string) => ({
  resourceType: 'Parameters',
  parameter: [...(resource ? [{ name: 'resource', resource }] : []), ...(mode ? [{ name: 'mode', valueCode: mode }] : [])],
});
const errors = (o: OperationOutcome) => o.issue.filter((i) => i.severity === 'error' || i.severity === 'fatal');

describe('$validate', () => {
  it('answers 200 "All OK" for a valid resource, posted bare or in Parameters (mode create)', async () => {
    for (const body of [{ resourceType: 'Patient', name: [{ family: 'V' }] }, params({ resourceType: 'Patient' }, 'create')]) {
      const res = await post('/fhir/Patient/$validate', body);
      expect(res.status).toBe(200);
      const outcome = res.body as OperationOutcome;
      expect(outcome.issue[0]).toMatchObject({ severity: 'information', diagnostics: 'All OK' });
      expect(errors(outcome)).toHaveLength(0);
    }
    expect((await server.http.get('/fhir/Patient?_count=1')).body.entry ?? []).toHaveLength(0);
  });

  it('answers 200 with located error issues for an invalid resource (R4: 200 whether or not valid)', async () => {
    const res = await post('/fhir/Patient/$validate', { resourceType: 'Patient', birthDate: 'soon', bogus: 1 });
    expect(res.status).toBe(200);
    const expressions = errors(res.body as OperationOutcome).flatMap((i) => i.expression ?? []);
    expect(expressions).toEqual(expect.arrayContaining(['Patient.birthDate']));
    expect(expressions.some((e) => e.includes('bogus'))).toBe(true);
    const wrongType = await post('/fhir/Patient/$validate', { resourceType: 'Observation', status: 'final', code: { text: 'x' } });
    expect(errors(wrongType.body as OperationOutcome)).toHaveLength(1);
  });

  it('reports contained resources that share an id as an error (a write would refuse them)', async () => {
    const contained = [{ resourceType: 'Organization', id: 'o', name: 'A' }, { resourceType: 'Organization', id: 'o', name: 'B' }];
    const res = await post('/fhir/Patient/$validate', { resourceType: 'Patient', contained });
    expect(res.status).toBe(200);
    expect(errors(res.body as OperationOutcome).map((i) => i.expression?.[0])).toContain('Patient.contained[1].id');
  });

  it('mode update checks the id against the instance; mode delete checks the instance exists', async () => {
    const created = await post('/fhir/Patient', { resourceType: 'Patient' });
    const p = created.body as Patient;
    const ok = await post(`/fhir/Patient/${p.id}/$validate`, params({ ...p, active: true }, 'update'));
    expect(ok.status).toBe(200);
    expect(errors(ok.body as OperationOutcome)).toHaveLength(0);
    const mismatch = await post(`/fhir/Patient/${p.id}/$validate`, params({ ...p, id: 'other' }, 'update'));
    expect(errors(mismatch.body as OperationOutcome)[0].expression).toEqual(['Patient.id']);

    const del = await server.http.get(`/fhir/Patient/${p.id}/$validate?mode=delete`);
    expect(del.status).toBe(200);
    expect(errors(del.body as OperationOutcome)).toHaveLength(0);
    const missing = await server.http.get('/fhir/Patient/nobody/$validate?mode=delete');
    expect(missing.status).toBe(200);
    expect(errors(missing.body as OperationOutcome)[0].code).toBe('not-found');
    expect(((await server.http.get(`/fhir/Patient/${p.id}`)).body as Patient).meta?.versionId).toBe('1');
  });

  it('GET on an instance validates the stored resource', async () => {
    const p = (await post('/fhir/Patient', { resourceType: 'Patient' })).body as Patient;
    const res = await server.http.get(`/fhir/Patient/${p.id}/$validate`);
    expect(res.status).toBe(200);
    expect(errors(res.body as OperationOutcome)).toHaveLength(0);
    expect((await server.http.get('/fhir/Patient/nobody/$validate')).status).toBe(404);
  });

  it('answers 400 when the validation cannot be performed', async () => {
    expect((await post('/fhir/Patient/$validate', params(undefined, 'create'))).status).toBe(400);
    expect((await post('/fhir/Patient/$validate', params({ resourceType: 'Patient' }, 'update'))).status).toBe(400);
    expect((await post('/fhir/Patient/$validate', params({ resourceType: 'Patient' }, 'delete'))).status).toBe(400);
    expect((await post('/fhir/Patient/$validate', params({ resourceType: 'Patient' }, 'destroy'))).status).toBe(400);
    expect((await post('/fhir/Patient/x/$validate', params({ resourceType: 'Patient', id: 'x' }, 'create'))).status).toBe(400);
    expect((await post('/fhir/Unknown/$validate', { resourceType: 'Unknown' })).status).toBe(404);
  });
});
