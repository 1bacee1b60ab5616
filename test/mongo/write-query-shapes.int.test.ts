import { NO_AUDIT } from '../../src/kernel/audit-sink';
import request from 'supertest';
import { MemoryStateStore } from '../../src/store/state/memory-state-store';
import type { Document } from 'mongodb';
import type { LucarneConfig } from '../../src/config/config';
import { loadConfig } from '../../src/config/load-config';
import { registerBundlePatchValidate } from '../../src/fhir/bundle/register-routes';
import { createFhirRouter } from '../../src/fhir/rest/router';
import { OPEN_ACCESS } from '../../src/fhir/rest/access-policy';
import type { ServerContext } from '../../src/fhir/rest/server-context';
import { createValidator } from '../../src/fhir/validation/create-validator';
import { withWriteRules } from '../../src/fhir/write-rules/rule-store';
import { createHttpApp } from '../../src/http/create-http-app';
import { insWriteRule } from '../../src/identity/ins-write-rule';
import { monotonicClock } from '../../src/kernel/clock';
import { sequentialIds } from '../../src/kernel/id-generator';
import { silentLogger } from '../../src/kernel/logger';
import type { MongoStore, ObservedCommand } from '../../src/store/mongo/mongo-store';
import { INDEXES, MONGODB_ONLY_INDEXES } from '../../src/store/mongo/schema';
import { describeMongo, dropTestStore, openTestStore, testDefinitions } from './mongo-test-env';
import { planOf, shapeOf } from './query-plan';

const INS = 'urn:oid:1.2.250.1.213.1.4.8';
const IPP = 'urn:oid:1.2.250.1.999999.1.1';
const ACSN = 'urn:oid:1.2.250.1.999999.1.2';
const FHIR = 'application/fhir+json';

/** Every filter a command carries, with the collection it runs on. */
function filtersOf(command: ObservedCommand): { collection: string; filter: Document }[] {
  const c = command.command;
  switch (command.name) {
    case 'find':
      return [{ collection: c.find as string, filter: (c.filter as Document) ?? {} }];
    case 'count':
      return [{ collection: c.count as string, filter: (c.query as Document) ?? {} }];
    case 'aggregate': {
      const match = (c.pipeline as Document[]).find((stage) => '$match' in stage);
      return [{ collection: c.aggregate as string, filter: (match?.$match as Document) ?? {} }];
    }
    case 'update':
      return (c.updates as Document[]).map((u) => ({ collection: c.update as string, filter: u.q as Document }));
    case 'delete':
      return (c.deletes as Document[]).map((d) => ({ collection: c.delete as string, filter: d.q as Document }));
    case 'findAndModify':
      return [{ collection: c.findAndModify as string, filter: c.query as Document }];
    default:
      return [];
  }
}

/**
 * Which queries the write path sends to MongoDB, and the index that serves each. FerretDB ignores indexes,
 * so the plan of each observed filter is worked out from the index definitions of schema.ts (query-plan.ts):
 * every query of a write, a conditional write, a Bundle and the common searches must be bounded by an index
 * beyond the resource type, or it would scan on a real MongoDB.
 */
describeMongo('MongoDB query shapes of the write path', () => {
  let store: MongoStore;
  let app: ReturnType<typeof createHttpApp>;
  let observing = false;
  const observed: ObservedCommand[] = [];

  beforeAll(async () => {
    const definitions = testDefinitions();
    const clock = monotonicClock();
    const BASE = 'http://127.0.0.1/fhir';
    store = await openTestStore('shapes', {
      clock, baseUrl: BASE, onCommand: (c) => {
        if (observing) observed.push(c);
      },
    });
    const config: LucarneConfig = { ...loadConfig({ env: {} }), host: '127.0.0.1', baseUrl: BASE, writerThread: false };
    const ctx: ServerContext = {
      // With the server's write rules, so the INS claims' queries are checked too.
      config, definitions, store: withWriteRules(store, [insWriteRule()]), state: new MemoryStateStore(), audit: NO_AUDIT, access: OPEN_ACCESS, validator: createValidator(definitions), ids: sequentialIds('id'), clock, logger: silentLogger(),
    };
    const router = createFhirRouter();
    registerBundlePatchValidate(router);
    app = createHttpApp(ctx, router);
  });
  afterAll(async () => {
    await dropTestStore(store);
  });

  const patient = (ins: string, ipp: string, family: string) => ({
    resourceType: 'Patient',
    identifier: [{ system: INS, value: ins }, { system: IPP, value: ipp }],
    name: [{ family, given: ['Anne'] }],
    birthDate: '1955-08-14',
  });

  async function workload(): Promise<void> {
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      request(app).post(`/fhir/${path}`).set({ 'Content-Type': FHIR, ...headers }).send(body as object);
    const put = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      request(app).put(`/fhir/${path}`).set({ 'Content-Type': FHIR, ...headers }).send(body as object);

    const created = await post('Patient', patient('255081416802538', 'IPP1', 'Dupont'));
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect((await put(`Patient/${id}`, { ...patient('255081416802538', 'IPP1', 'Dupond'), id }, { 'If-Match': 'W/"1"' })).status).toBe(200);
    expect((await put('Patient/client-id', { ...patient('190012A12345615', 'IPP2', 'Martin'), id: 'client-id' })).status).toBe(201);
    // Conditional create: a match, then no match.
    expect((await post('Patient', patient('255081416802538', 'IPP1', 'Dupont'), { 'If-None-Exist': `identifier=${INS}|255081416802538` })).status).toBe(200);
    expect((await post('Patient', patient('160057512345637', 'IPP3', 'Durand'), { 'If-None-Exist': `identifier=${IPP}|IPP3` })).status).toBe(201);
    // Conditional update and patch, by IPP.
    expect((await put(`Patient?identifier=${IPP}|IPP3`, patient('160057512345637', 'IPP3', 'Durand-Petit'))).status).toBe(200);
    const patched = await request(app).patch(`/fhir/Patient?identifier=${IPP}|IPP3`).set('Content-Type', 'application/json-patch+json')
      .send([{ op: 'replace', path: '/birthDate', value: '1960-05-07' }]);
    expect(patched.status).toBe(200);
    const patchedById = await request(app).patch(`/fhir/Patient/${id}`).set('Content-Type', 'application/json-patch+json')
      .send([{ op: 'replace', path: '/birthDate', value: '1955-08-15' }]);
    expect(patchedById.status).toBe(200);

    // A batch as the importer sends it: conditional creates, a conditional reference, a PUT, a conditional delete.
    const batch = await post('', {
      resourceType: 'Bundle', type: 'batch', entry: [
        { resource: patient('282012B12345693', 'IPP4', 'Leroy'), request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=${IPP}|IPP4` } },
        {
          resource: {
            resourceType: 'ServiceRequest', status: 'active', intent: 'order', subject: { reference: `Patient?identifier=${IPP}|IPP3` },
            identifier: [{ system: ACSN, value: 'A1', type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'ACSN' }] } }],
          },
          request: { method: 'POST', url: 'ServiceRequest', ifNoneExist: `identifier=${ACSN}|A1` },
        },
        {
          resource: { resourceType: 'ImagingStudy', id: 'study-1', status: 'available', subject: { reference: `Patient/${id}` }, started: '2025-03-01T10:00:00Z' },
          request: { method: 'PUT', url: 'ImagingStudy/study-1' },
        },
        { request: { method: 'DELETE', url: `Patient?identifier=${IPP}|IPP2` } },
      ],
    });
    expect(batch.status).toBe(200);
    expect(batch.body.entry.map((e: { response: { status: string } }) => e.response.status.split(' ')[0])).toEqual(['201', '201', '201', '204']);
    expect((await request(app).delete(`/fhir/Patient/${id}`)).status).toBe(204);
    expect((await put(`Patient/${id}`, { ...patient('255081416802538', 'IPP1', 'Dupont'), id })).status).toBe(201);

    // Reads and the searches the write path and the imaging record depend on.
    for (const path of [
      `Patient/${id}`, `Patient/${id}/_history/1`, `Patient/${id}/_history`,
      `Patient?identifier=${INS}|255081416802538`, 'Patient?family=dup', `ImagingStudy?subject=Patient/${id}`,
      `ImagingStudy?patient=${id}&_include=ImagingStudy:subject`, 'ImagingStudy?started=ge2025-01-01',
      `ServiceRequest?subject:Patient.identifier=${IPP}|IPP3`, `Patient?_has:ImagingStudy:subject:status=available`,
      `Patient/${id}/ImagingStudy`,
    ]) {
      expect((await request(app).get(`/fhir/${path}`)).status).toBe(200);
    }
  }

  it('runs every query on an index that narrows it past the resource type', async () => {
    observing = true;
    await workload();
    observing = false;

    const indexes = { resources: [...INDEXES.resources, ...MONGODB_ONLY_INDEXES.resources], versions: INDEXES.versions, leases: INDEXES.leases, claims: INDEXES.claims };
    const seen = new Map<string, { plan: string; selective: boolean }>();
    for (const command of observed) {
      for (const { collection, filter } of filtersOf(command)) {
        const defs = indexes[collection as keyof typeof indexes];
        if (!defs) continue;
        const plan = planOf(filter, defs);
        seen.set(`${command.name} ${collection} ${JSON.stringify(shapeOf(filter))}`, {
          plan: plan ? `${plan.index} [${plan.bounded.join(', ')}]` : 'COLLSCAN', selective: plan?.selective ?? false,
        });
      }
    }
    expect(seen.size).toBeGreaterThan(10);
    const scans = [...seen].filter(([, p]) => !p.selective).map(([shape, p]) => `${shape} -> ${p.plan}`);
    expect(scans).toEqual([]);
    if (process.env.LUCARNE_PRINT_QUERY_SHAPES) {
      process.stdout.write([...seen].map(([shape, p]) => `${shape} -> ${p.plan}`).join('\n') + '\n');
    }
  });
});
