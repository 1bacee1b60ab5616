import { NO_AUDIT } from '../../src/kernel/audit-sink';
import request from 'supertest';
import { MemoryStateStore } from '../../src/store/state/memory-state-store';
import type { Bundle, Patient } from '@medplum/fhirtypes';
import type { LucarneConfig } from '../../src/config/config';
import { loadConfig } from '../../src/config/load-config';
import { registerBundlePatchValidate } from '../../src/fhir/bundle/register-routes';
import { createFhirRouter } from '../../src/fhir/rest/router';
import { OPEN_ACCESS } from '../../src/fhir/rest/access-policy';
import type { ServerContext } from '../../src/fhir/rest/server-context';
import { createValidator } from '../../src/fhir/validation/create-validator';
import { createHttpApp } from '../../src/http/create-http-app';
import { monotonicClock } from '../../src/kernel/clock';
import { sequentialIds } from '../../src/kernel/id-generator';
import { silentLogger } from '../../src/kernel/logger';
import type { MongoStore } from '../../src/store/mongo/mongo-store';
import { describeMongo, dropTestStore, openTestStore, testDefinitions } from './mongo-test-env';

/** The REST layer over the MongoDB store on a server without transactions (FerretDB here). */
describeMongo('REST over the MongoDB store', () => {
  let store: MongoStore;
  let app: ReturnType<typeof createHttpApp>;
  const BASE = 'http://127.0.0.1/fhir';
  beforeAll(async () => {
    const definitions = testDefinitions();
    const clock = monotonicClock();
    store = await openTestStore('rest', { clock, baseUrl: BASE });
    const config: LucarneConfig = {
      ...loadConfig({ env: {} }),
      port: 0, host: '127.0.0.1', dataDir: '/nonexistent', baseUrl: BASE, maxBodyBytes: 1024 * 1024, corsOrigins: ['*'],
      logLevel: 'silent', writerThread: false, allowMultipleDelete: false, defaultPageSize: 20, maxPageSize: 1000, shutdownTimeoutMs: 1000,
    };
    const ctx: ServerContext = {
      config, definitions, store, state: new MemoryStateStore(), audit: NO_AUDIT, access: OPEN_ACCESS, validator: createValidator(definitions), ids: sequentialIds('id'), clock, logger: silentLogger(),
    };
    const router = createFhirRouter();
    registerBundlePatchValidate(router);
    app = createHttpApp(ctx, router);
  });
  afterAll(async () => {
    await dropTestStore(store);
  });
  const fhir = 'application/fhir+json';

  it('refuses a transaction Bundle with an OperationOutcome before writing anything; batch works', async () => {
    if (store.supportsTransactions) return; // a replica set runs it instead
    const entry = (id: string) => ({
      fullUrl: `urn:uuid:${id}`, resource: { resourceType: 'Patient', active: true },
      request: { method: 'POST', url: 'Patient' },
    });
    const bundle: Bundle = { resourceType: 'Bundle', type: 'transaction', entry: [entry('1'), entry('2')] as Bundle['entry'] };
    const refused = await request(app).post('/fhir').set('Content-Type', fhir).send(bundle);
    expect(refused.status).toBe(501);
    expect(refused.body.resourceType).toBe('OperationOutcome');
    expect(JSON.stringify(refused.body)).toMatch(/nothing was written/);
    expect((await store.history({ resourceType: 'Patient', count: 0, offset: 0 })).total).toBe(0);

    const batch = await request(app).post('/fhir').set('Content-Type', fhir).send({ ...bundle, type: 'batch' });
    expect(batch.status).toBe(200);
    expect(batch.body.entry.map((e: { response: { status: string } }) => e.response.status)).toEqual(['201 Created', '201 Created']);
  });

  it('serialises If-None-Exist creates across callers: one resource for many concurrent requests', async () => {
    const body: Patient = { resourceType: 'Patient', identifier: [{ system: 'urn:test', value: 'once' }] };
    const responses = await Promise.all(
      Array.from({ length: 6 }, () =>
        request(app).post('/fhir/Patient').set('Content-Type', fhir).set('If-None-Exist', 'identifier=urn:test|once').send(body),
      ),
    );
    expect(responses.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
    expect(new Set(responses.map((r) => r.body.id)).size).toBe(1);
  });

  it('applies If-Match over HTTP: one of two updates naming the same version wins', async () => {
    const created = await request(app).post('/fhir/Patient').set('Content-Type', fhir).send({ resourceType: 'Patient' });
    const id = created.body.id as string;
    const put = (gender: string) =>
      request(app).put(`/fhir/Patient/${id}`).set('Content-Type', fhir).set('If-Match', 'W/"1"').send({ resourceType: 'Patient', id, gender });
    const [a, b] = await Promise.all([put('male'), put('female')]);
    expect([a.status, b.status].sort()).toEqual([200, 412]);
    const read = await request(app).get(`/fhir/Patient/${id}`);
    expect(read.body.meta.versionId).toBe('2');
  });
});
