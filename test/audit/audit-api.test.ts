import type { AuditEvent, Bundle, OperationOutcome, Parameters } from '@medplum/fhirtypes';
import request from 'supertest';
import type { AuditTrail } from '../../src/audit/audit-trail';
import type { CapabilityStatement } from '@medplum/fhirtypes';
import { needOf } from '../../src/auth/scope-policy';
import { registerBundlePatchValidate } from '../../src/fhir/bundle/register-routes';
import type { FhirStore } from '../../src/store/store';
import { startTestServer, type TestServer } from '../e2e/test-server';
import { trailOn } from './audit-fixtures';

let server: TestServer;
let trail: AuditTrail;
/** The store below the API's wrappers: where the audit job (and a tamperer with database access) writes. */
let underlying: FhirStore;
let ids: string[];

const http = () => request(server.app);

beforeAll(async () => {
  server = startTestServer();
  underlying = server.store;
  registerBundlePatchValidate(server.router);
  trail = await trailOn(server.ctx.config.dataDir, underlying);
  trail.registerRoutes(server.router);
  // What the composition root does: the API's store has AuditEvent append-only.
  (server.ctx as { store: FhirStore }).store = trail.appendOnly(server.ctx.store);
  await Promise.all([
    trail.sink.record({
      kind: 'rest', event: 'read', action: 'R', status: 200, recorded: '2026-12-01T10:00:00.000Z', requestId: 'a1',
      clientId: 'viewer', fhirUser: 'Practitioner/pr1', subject: 'local:alice', entities: ['Patient/p1'], patients: ['Patient/p1'],
    }),
    trail.sink.record({
      kind: 'rest', event: 'search-type', action: 'E', status: 200, recorded: '2026-12-02T10:00:00.000Z', requestId: 'a2',
      clientId: 'viewer', fhirUser: 'Practitioner/pr2', query: 'subject=Patient/p2', entities: ['ImagingStudy/s9'], patients: ['Patient/p2', 'Patient/p3'],
    }),
    trail.sink.record({
      kind: 'rest', event: 'update', action: 'U', status: 200, recorded: '2026-12-03T10:00:00.000Z', requestId: 'a3',
      clientId: 'ris', entities: ['ServiceRequest/o1/_history/2'],
    }),
  ]);
  await trail.moveNow();
  const page = await underlying.search({ resourceTypes: ['AuditEvent'], filters: [], sort: [{ code: 'date', descending: false }], count: 10, offset: 0, total: 'none' });
  ids = page.entries.map((e) => e.id);
});
afterAll(async () => {
  await trail.stop();
  await server.close();
});

const found = async (query: string) => {
  const res = await http().get(`/fhir/AuditEvent?${query}`).expect(200);
  return ((res.body as Bundle).entry ?? []).map((e) => (e.resource as AuditEvent).id).sort();
};

describe('AuditEvent search', () => {
  it('finds the events of a patient, an agent, a date and an entity with the R4 search parameters', async () => {
    expect(ids).toHaveLength(3);
    const [read, search, update] = ids;
    expect(await found('patient=Patient/p1')).toEqual([read]);
    expect(await found('patient=p3')).toEqual([search]);
    expect(await found('agent=Practitioner/pr2')).toEqual([search]);
    expect(await found('date=ge2026-12-02&date=lt2026-12-03')).toEqual([search]);
    expect(await found('entity=ServiceRequest/o1')).toEqual([update]);
    expect(await found('entity=ImagingStudy/s9')).toEqual([search]);
  });
});

describe('append-only AuditEvent', () => {
  const refused = (res: request.Response) => {
    expect(res.status).toBe(405);
    expect((res.body as OperationOutcome).resourceType).toBe('OperationOutcome');
    expect(JSON.stringify(res.body)).toMatch(/append-only/);
  };
  const fhirJson = { 'Content-Type': 'application/fhir+json' };

  it('refuses create, update, patch and delete through the API, and keeps the events unchanged', async () => {
    const [first] = ids;
    const current = (await http().get(`/fhir/AuditEvent/${first}`).expect(200)).body as AuditEvent;
    const forged = { ...current, outcomeDesc: 'forged' };
    refused(await http().post('/fhir/AuditEvent').set(fhirJson).send({ ...forged, id: undefined }));
    refused(await http().put(`/fhir/AuditEvent/${first}`).set(fhirJson).send(forged));
    refused(await http().put('/fhir/AuditEvent/brand-new').set(fhirJson).send({ ...forged, id: 'brand-new' }));
    refused(await http().patch(`/fhir/AuditEvent/${first}`).set('Content-Type', 'application/json-patch+json').send([{ op: 'add', path: '/outcomeDesc', value: 'x' }]));
    refused(await http().delete(`/fhir/AuditEvent/${first}`));
    const after = (await http().get(`/fhir/AuditEvent/${first}`).expect(200)).body as AuditEvent;
    expect(after.meta?.versionId).toBe(current.meta?.versionId);
    expect(await found('_count=50')).toHaveLength(3);
  });

  it('refuses an AuditEvent entry of a transaction Bundle, writing nothing of it', async () => {
    const bundle: Bundle = {
      resourceType: 'Bundle', type: 'transaction',
      entry: [
        { resource: { resourceType: 'Patient', id: 'x' }, request: { method: 'PUT', url: 'Patient/x' } },
        { request: { method: 'DELETE', url: `AuditEvent/${ids[0]}` } },
      ],
    };
    const res = await http().post('/fhir').set(fhirJson).send(bundle);
    expect(res.status).toBe(405);
    await http().get('/fhir/Patient/x').expect(404);
    await http().get(`/fhir/AuditEvent/${ids[0]}`).expect(200);
  });
});

describe('AuditEvent/$verify-chain', () => {
  const verify = async (method: 'get' | 'post') => {
    const res = method === 'get' ? await http().get('/fhir/AuditEvent/$verify-chain') : await http().post('/fhir/AuditEvent/$verify-chain').set('Content-Type', 'application/fhir+json').send({ resourceType: 'Parameters' });
    expect(res.status).toBe(200);
    return res.body as Parameters;
  };

  it('answers result, checked and, once an event is rewritten in the store, the first broken link', async () => {
    for (const method of ['get', 'post'] as const) {
      expect(await verify(method)).toEqual({ resourceType: 'Parameters', parameter: [{ name: 'result', valueBoolean: true }, { name: 'checked', valueInteger: 3 }] });
    }
    const second = (await underlying.read('AuditEvent', ids[1]))!.resource as AuditEvent & { id: string };
    await underlying.update({ ...second, recorded: '2026-12-02T09:00:00.000Z' });
    expect((await verify('get')).parameter).toEqual([
      { name: 'result', valueBoolean: false },
      { name: 'checked', valueInteger: 1 },
      { name: 'broken', part: [{ name: 'sequence', valueInteger: 2 }, { name: 'event', valueReference: { reference: `AuditEvent/${ids[1]}` } }, { name: 'reason', valueCode: 'hash-mismatch' }] },
    ]);
  });
});

describe('what the server says of the audit trail', () => {
  it('lists AuditEvent with only the interactions that read, and $verify-chain needs AuditEvent read and search in a user or system context', async () => {
    const cs = (await http().get('/fhir/metadata').expect(200)).body as CapabilityStatement;
    const audit = cs.rest?.[0]?.resource?.find((r) => r.type === 'AuditEvent');
    const codes = (audit?.interaction ?? []).map((i) => i.code);
    expect(codes).toEqual(expect.arrayContaining(['read', 'search-type']));
    for (const write of ['create', 'update', 'patch', 'delete']) expect(codes).not.toContain(write);
    const route = server.router.route('GET', 'AuditEvent/$verify-chain')!;
    expect(needOf(route, {})).toEqual({ type: 'AuditEvent', letters: ['r', 's'], contexts: ['user', 'system'] });
  });
});
