import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bundle, OperationOutcome } from '@medplum/fhirtypes';
import request from 'supertest';
import { createApp, type LucarneApp } from '../../src/app';
import { ScopePolicy } from '../../src/auth/scope-policy';
import { loadConfig } from '../../src/config/load-config';
import { createHttpApp } from '../../src/http/create-http-app';
import { AsTestCaller, testCaller } from './test-caller';

/**
 * ScopePolicy installed in the production composition (createApp with every route: Bundles, imaging
 * operations): what SMART scopes let a caller do through HTTP, each Bundle entry included.
 */

const JSON_TYPE = 'application/fhir+json';
const LAB = 'http://terminology.hl7.org/CodeSystem/observation-category|laboratory';

describe('the SMART scope policy installed in a server', () => {
  const access = new AsTestCaller(new ScopePolicy());
  let app: LucarneApp;
  let http: ReturnType<typeof request>;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lucarne-scopes-'));
    const config = loadConfig({ env: { LUCARNE_DATA_DIR: dir, LUCARNE_HOST: '127.0.0.1', LUCARNE_WRITER_THREAD: 'false', LOG_LEVEL: 'silent' } });
    app = await createApp(config, { root: join(__dirname, '..', '..'), durability: 'normal', access });
    http = request(createHttpApp(app.ctx, app.router));
    access.caller = testCaller('system/*.cruds');
    expect((await http.put('/fhir/Patient/p1').set('Content-Type', JSON_TYPE).send({ resourceType: 'Patient', id: 'p1', name: [{ family: 'Scope' }] })).status).toBe(201);
    const observation = { resourceType: 'Observation', id: 'o1', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/p1' } };
    expect((await http.put('/fhir/Observation/o1').set('Content-Type', JSON_TYPE).send(observation)).status).toBe(201);
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const outcome = (res: request.Response) => (res.body as OperationOutcome).issue?.[0];

  it('allows a read with patient/Patient.r and a patient in context, on the fast path and the general one', async () => {
    access.caller = testCaller('launch/patient patient/Patient.r', 'p1');
    expect((await http.get('/fhir/Patient/p1').set('Accept-Encoding', '')).status).toBe(200);
    expect((await http.get('/fhir/Patient/p1?_summary=true')).status).toBe(200);
    expect((await http.get('/fhir/Patient/p1/_history/1')).status).toBe(200);
  });

  it('refuses it with 403 naming the scopes that would do, without a patient in context too', async () => {
    for (const caller of [testCaller('patient/Observation.rs', 'p1'), testCaller('patient/Patient.r')]) {
      access.caller = caller;
      const res = await http.get('/fhir/Patient/p1').set('Accept-Encoding', '');
      expect(res.status).toBe(403);
      expect(res.headers['www-authenticate']).toBe('Bearer error="insufficient_scope"');
      expect(outcome(res)?.code).toBe('forbidden');
      expect(outcome(res)?.diagnostics).toContain('needs patient/Patient.r or user/Patient.r or system/Patient.r');
    }
  });

  it('answers 401 login without scopes, except for the CapabilityStatement', async () => {
    access.caller = testCaller('');
    const res = await http.get('/fhir/Patient/p1');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(outcome(res)?.code).toBe('login');
    expect((await http.get('/fhir/metadata')).status).toBe(200);
  });

  it('searches need s; a query-restricted grant does not cover them yet', async () => {
    access.caller = testCaller('patient/Observation.s', 'p1');
    expect((await http.get('/fhir/Observation?subject=Patient/p1').set('Accept-Encoding', '')).status).toBe(200);
    access.caller = testCaller(`patient/Observation.rs?category=${LAB}`, 'p1');
    const res = await http.get(`/fhir/Observation?category=${encodeURIComponent(LAB)}`);
    expect(res.status).toBe(403);
    expect(outcome(res)?.diagnostics).toContain('query restriction');
  });

  it('decides each entry of a batch on its own', async () => {
    access.caller = testCaller('patient/Patient.r', 'p1');
    const batch = {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { request: { method: 'GET', url: 'Patient/p1' } },
        { request: { method: 'GET', url: 'Observation/o1' } },
        { request: { method: 'GET', url: 'Patient?name=Scope' } },
        { resource: { resourceType: 'Patient', name: [{ family: 'Refused' }] }, request: { method: 'POST', url: 'Patient' } },
        { request: { method: 'GET', url: 'Patient/p1/_history/1' } },
      ],
    };
    const res = await http.post('/fhir').set('Content-Type', JSON_TYPE).send(batch);
    expect(res.status).toBe(200);
    const entries = (res.body as Bundle).entry ?? [];
    expect(entries.map((e) => e.response?.status)).toEqual(['200 OK', '403 Forbidden', '403 Forbidden', '403 Forbidden', '200 OK']);
    expect((entries[1].response?.outcome as OperationOutcome).issue?.[0].diagnostics).toContain('needs patient/Observation.r');
  });

  it('refuses a transaction with one uncovered entry before writing anything', async () => {
    access.caller = testCaller('user/Patient.c');
    const transaction = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: 'urn:uuid:8f0c7c1e-0000-4000-8000-00000000e001', resource: { resourceType: 'Patient', name: [{ family: 'NotWritten' }] }, request: { method: 'POST', url: 'Patient' } },
        { request: { method: 'DELETE', url: 'Observation/o1' } },
      ],
    };
    const res = await http.post('/fhir').set('Content-Type', JSON_TYPE).send(transaction);
    expect(res.status).toBe(403);
    expect(outcome(res)?.diagnostics).toContain('Interaction delete on Observation needs');
    access.caller = testCaller('system/*.rs');
    expect(((await http.get('/fhir/Patient?name=NotWritten')).body as Bundle).total).toBe(0);
    expect((await http.get('/fhir/Observation/o1')).status).toBe(200);
  });

  it('lets $everything go on with r on the Patient, and refuses it without', async () => {
    access.caller = testCaller('patient/Patient.r', 'p1');
    expect((await http.get('/fhir/Patient/p1/$everything')).status).toBe(200);
    access.caller = testCaller('patient/Observation.rs', 'p1');
    expect((await http.get('/fhir/Patient/p1/$everything')).status).toBe(403);
  });
});
