import type { Bundle, BundleEntry, OperationOutcome, Patient } from '@medplum/fhirtypes';
import { runTransaction } from '../../src/fhir/bundle/transaction-runner';
import { ANONYMOUS_CALLER } from '../../src/fhir/rest/caller';
import { openRequestContext } from '../../src/fhir/rest/request-context';
import { planBundle } from '../../src/fhir/bundle/bundle-plan';
import { FhirError } from '../../src/kernel/errors';
import { FHIR_JSON, startBundleTestServer, type BundleTestServer } from './bundle-test-helpers';

let server: BundleTestServer;
beforeAll(async () => {
  server = await startBundleTestServer();
});
afterAll(async () => {
  await server.close();
});

const post = (body: unknown) => server.http.post('/fhir').set('Content-Type', FHIR_JSON).send(JSON.stringify(body));
const batch = (...entry: BundleEntry[]): Bundle => ({ resourceType: 'Bundle', type: 'batch', entry });

describe('batch Bundle', () => {
  it('runs entries independently: failures answer their status and OperationOutcome, the rest is written', async () => {
    const created = await server.http.post('/fhir/Patient').set('Content-Type', FHIR_JSON).send(JSON.stringify({ resourceType: 'Patient', name: [{ family: 'BatchExisting' }] }));
    const existing = created.body as Patient;
    const res = await post(
      batch(
        { resource: { resourceType: 'Patient', name: [{ family: 'BatchOk' }] }, request: { method: 'POST', url: 'Patient' } },
        { resource: { resourceType: 'Patient', birthDate: 'yesterday' } as Patient, request: { method: 'POST', url: 'Patient' } },
        { request: { method: 'GET', url: 'Patient/does-not-exist' } },
        { resource: { ...existing, active: true }, request: { method: 'PUT', url: `Patient/${existing.id}`, ifMatch: 'W/"9"' } },
        { request: { method: 'GET', url: `Patient/${existing.id}` } },
        { request: { url: 'Patient' } } as BundleEntry,
        { resource: { resourceType: 'Patient', name: [{ family: 'BatchOk2' }] }, request: { method: 'POST', url: 'Patient' } },
      ),
    );
    expect(res.status).toBe(200);
    const body = res.body as Bundle;
    expect(body.type).toBe('batch-response');
    const statuses = body.entry?.map((e) => e.response?.status);
    expect(statuses?.[0]).toBe('201 Created');
    expect(['400 Bad Request', '422 Unprocessable Entity']).toContain(statuses?.[1]);
    expect(statuses?.[2]).toBe('404 Not Found');
    expect(statuses?.[3]).toBe('412 Precondition Failed');
    expect(statuses?.[4]).toBe('200 OK');
    expect(statuses?.[5]).toBe('400 Bad Request');
    expect(statuses?.[6]).toBe('201 Created');
    for (const i of [1, 2, 3, 5]) {
      const outcome = body.entry?.[i].response?.outcome as OperationOutcome;
      expect(outcome.resourceType).toBe('OperationOutcome');
      expect(outcome.issue[0].severity).toBe('error');
    }
    expect((body.entry?.[4].resource as Patient).active).toBeUndefined();
    const ok = await server.http.get('/fhir/Patient?family=BatchOk');
    expect((ok.body as Bundle).entry?.length).toBeGreaterThanOrEqual(2);
  });

  it('does not resolve references between batch entries', async () => {
    const res = await post(
      batch(
        { fullUrl: 'urn:uuid:3c9a6f1e-0000-4000-8000-000000000001', resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } },
        { resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: 'urn:uuid:3c9a6f1e-0000-4000-8000-000000000001' } }, request: { method: 'POST', url: 'Observation' } },
      ),
    );
    expect(res.status).toBe(200);
    const entry = (res.body as Bundle).entry?.[1];
    expect(entry?.response?.status).toBe('201 Created');
    expect((entry?.resource as { subject?: { reference?: string } }).subject?.reference).toBe('urn:uuid:3c9a6f1e-0000-4000-8000-000000000001');
  });

  it('a duplicate fullUrl or a non-batch type is refused as a whole', async () => {
    const dup = batch(
      { fullUrl: 'urn:uuid:3c9a6f1e-0000-4000-8000-0000000000d1', resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } },
      { fullUrl: 'urn:uuid:3c9a6f1e-0000-4000-8000-0000000000d1', resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } },
    );
    expect((await post(dup)).status).toBe(400);
    expect((await post({ resourceType: 'Bundle', type: 'document' })).status).toBe(400);
  });
});

describe('transaction on a store without all-or-nothing transactions', () => {
  it('is refused before anything is written', async () => {
    const ctx = server.app.ctx;
    const store = Object.create(ctx.store, { supportsTransactions: { value: false } });
    const plan = planBundle(
      { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: { resourceType: 'Patient', name: [{ family: 'NoTx' }] }, request: { method: 'POST', url: 'Patient' } }] },
      ctx.config.baseUrl,
    );
    const error = await runTransaction({ ...openRequestContext(ctx, ANONYMOUS_CALLER, 'test'), store }, plan, server.app.router).catch((e) => e);
    expect(error).toBeInstanceOf(FhirError);
    expect((error as FhirError).issues[0].code).toBe('not-supported');
    const res = await server.http.get('/fhir/Patient?family=NoTx');
    expect((res.body as Bundle).entry ?? []).toHaveLength(0);
  });
});
