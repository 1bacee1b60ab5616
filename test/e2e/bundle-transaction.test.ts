import type { Bundle, BundleEntry, DiagnosticReport, Observation, OperationOutcome, Patient } from '@medplum/fhirtypes';
import { BASE, FHIR_JSON, startBundleTestServer, type BundleTestServer } from './bundle-test-helpers';

let server: BundleTestServer;
beforeAll(async () => {
  server = await startBundleTestServer();
});
afterAll(async () => {
  await server.close();
});

const post = (body: unknown, headers: Record<string, string> = {}) =>
  server.http.post('/fhir').set('Content-Type', FHIR_JSON).set(headers).send(JSON.stringify(body));

function transaction(...entry: BundleEntry[]): Bundle {
  return { resourceType: 'Bundle', type: 'transaction', entry };
}

async function count(type: string, query = ''): Promise<number> {
  const res = await server.http.get(`/fhir/${type}?_total=accurate&${query}`);
  expect(res.status).toBe(200);
  return (res.body as Bundle).entry?.length ?? 0;
}

const PATIENT = 'urn:uuid:5f0c5d2c-1c1f-4b6e-9d3a-000000000001';
const ORG = 'urn:uuid:5f0c5d2c-1c1f-4b6e-9d3a-000000000002';
const OBS1 = 'urn:uuid:5f0c5d2c-1c1f-4b6e-9d3a-000000000003';
const OBS2 = 'urn:uuid:5f0c5d2c-1c1f-4b6e-9d3a-000000000004';

describe('transaction Bundle', () => {
  it('rewrites urn:uuid references however deeply nested and answers per-entry status, location and etag', async () => {
    const report: DiagnosticReport = {
      resourceType: 'DiagnosticReport',
      status: 'final',
      code: { text: 'CT report' },
      subject: { reference: PATIENT },
      result: [{ reference: OBS1 }, { reference: OBS2 }],
      extension: [{ url: 'http://example.org/ext', extension: [{ url: 'deep', valueReference: { reference: ORG } }] }],
      contained: [{ resourceType: 'Observation', id: 'c1', status: 'final', code: { text: 'contained' }, subject: { reference: PATIENT } }],
      presentedForm: [{ contentType: 'text/plain', url: OBS1 }],
      text: { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml"><a href="${PATIENT}">patient</a></div>` },
    };
    const bundle = transaction(
      { fullUrl: 'urn:uuid:5f0c5d2c-1c1f-4b6e-9d3a-0000000000aa', resource: report, request: { method: 'POST', url: 'DiagnosticReport' } },
      { fullUrl: OBS1, resource: { resourceType: 'Observation', status: 'final', code: { text: 'a' }, subject: { reference: PATIENT }, hasMember: [{ reference: OBS2 }] }, request: { method: 'POST', url: 'Observation' } },
      { fullUrl: OBS2, resource: { resourceType: 'Observation', status: 'final', code: { text: 'b' }, performer: [{ reference: ORG }] }, request: { method: 'POST', url: 'Observation' } },
      { fullUrl: PATIENT, resource: { resourceType: 'Patient', managingOrganization: { reference: ORG }, name: [{ family: 'Deep' }] }, request: { method: 'POST', url: 'Patient' } },
      { fullUrl: ORG, resource: { resourceType: 'Organization', name: 'Clinic' }, request: { method: 'POST', url: 'Organization' } },
    );
    const res = await post(bundle);
    expect(res.status).toBe(200);
    const body = res.body as Bundle;
    expect(body.type).toBe('transaction-response');
    expect(body.entry).toHaveLength(5);
    for (const entry of body.entry ?? []) {
      expect(entry.response?.status).toBe('201 Created');
      expect(entry.response?.location).toMatch(new RegExp(`^${BASE}/\\w+/[^/]+/_history/1$`));
      expect(entry.response?.etag).toBe('W/"1"');
      expect(entry.response?.lastModified).toMatch(/^\d{4}-\d\d-\d\dT/);
    }
    const ids = (body.entry ?? []).map((e) => `${e.resource?.resourceType}/${e.resource?.id}`);
    const [reportId, obs1Id, obs2Id, patientId, orgId] = ids;
    expect(reportId).toMatch(/^DiagnosticReport\//);
    expect(patientId).toMatch(/^Patient\//);

    const stored = (await server.http.get(`/fhir/${reportId}`)).body as DiagnosticReport;
    expect(stored.subject?.reference).toBe(patientId);
    expect(stored.result?.map((r) => r.reference)).toEqual([obs1Id, obs2Id]);
    expect(stored.extension?.[0].extension?.[0].valueReference?.reference).toBe(orgId);
    expect((stored.contained?.[0] as Observation).subject?.reference).toBe(patientId);
    expect(stored.presentedForm?.[0].url).toBe(obs1Id);
    expect(stored.text?.div).toContain(`href="${patientId}"`);
    expect(JSON.stringify(stored)).not.toContain('urn:uuid');
    const obs1 = (await server.http.get(`/fhir/${obs1Id}`)).body as Observation;
    expect(obs1.hasMember?.[0].reference).toBe(obs2Id);
    const patient = (await server.http.get(`/fhir/${patientId}`)).body as Patient;
    expect(patient.managingOrganization?.reference).toBe(orgId);
  });

  it('refuses a duplicate fullUrl and a reference to an unknown urn:uuid, writing nothing', async () => {
    const before = await count('Patient', 'family=Dup');
    const dup = transaction(
      { fullUrl: PATIENT, resource: { resourceType: 'Patient', name: [{ family: 'Dup' }] }, request: { method: 'POST', url: 'Patient' } },
      { fullUrl: PATIENT, resource: { resourceType: 'Patient', name: [{ family: 'Dup' }] }, request: { method: 'POST', url: 'Patient' } },
    );
    const res = await post(dup);
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(JSON.stringify(res.body)).toContain('Bundle.entry[1]');

    const unknown = transaction(
      { fullUrl: PATIENT, resource: { resourceType: 'Patient', name: [{ family: 'Dup' }] }, request: { method: 'POST', url: 'Patient' } },
      { resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: 'urn:uuid:00000000-0000-0000-0000-00000000dead' } }, request: { method: 'POST', url: 'Observation' } },
    );
    const res2 = await post(unknown);
    expect(res2.status).toBe(400);
    const outcome = res2.body as OperationOutcome;
    expect(outcome.issue[0].expression?.[0]).toMatch(/^Bundle\.entry\[1\]\.resource\.subject\.reference/);
    expect(outcome.issue[0].diagnostics).toContain('urn:uuid:00000000-0000-0000-0000-00000000dead');
    expect(await count('Patient', 'family=Dup')).toBe(before);
  });

  it('rewrites urn:oid fullUrls and the fullUrls of PUT entries to their identities', async () => {
    const OID = 'urn:oid:1.2.250.1.999.1';
    const PUT = 'urn:uuid:5f0c5d2c-1c1f-4b6e-9d3a-0000000000b1';
    const res = await post(
      transaction(
        { fullUrl: OID, resource: { resourceType: 'Organization', name: 'Oid org' }, request: { method: 'POST', url: 'Organization' } },
        { fullUrl: PUT, resource: { resourceType: 'Patient', id: 'put-target', name: [{ family: 'Put' }] }, request: { method: 'PUT', url: 'Patient/put-target' } },
        {
          resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: PUT }, performer: [{ reference: OID }] },
          request: { method: 'POST', url: 'Observation' },
        },
      ),
    );
    expect(res.status).toBe(200);
    const entries = (res.body as Bundle).entry ?? [];
    const obs = entries[2].resource as Observation;
    expect(obs.subject?.reference).toBe('Patient/put-target');
    expect(obs.performer?.[0].reference).toBe(`Organization/${entries[0].resource?.id}`);
  });

  it('validates the envelope', async () => {
    const cases: unknown[] = [
      { resourceType: 'Bundle', type: 'collection', entry: [] },
      { resourceType: 'Patient' },
      transaction({ resource: { resourceType: 'Patient' }, request: { url: 'Patient' } } as BundleEntry),
      transaction({ resource: { resourceType: 'Patient' }, request: { method: 'TRACE', url: 'Patient' } } as unknown as BundleEntry),
      transaction({ request: { method: 'POST', url: 'Patient' } }),
      transaction({ resource: { resourceType: 'Patient' }, request: { method: 'POST' } } as BundleEntry),
      transaction({ resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'http://elsewhere.example/fhir/Patient' } }),
    ];
    for (const body of cases) {
      const res = await post(body);
      expect(res.status).toBe(400);
      expect(res.body.resourceType).toBe('OperationOutcome');
    }
  });
});
