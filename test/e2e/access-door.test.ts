import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bundle, OperationOutcome } from '@medplum/fhirtypes';
import request from 'supertest';
import { createApp, type LucarneApp } from '../../src/app';
import { loadConfig } from '../../src/config/load-config';
import type { AccessPolicy, AccessRoute } from '../../src/fhir/rest/access-policy';
import { ANONYMOUS_CALLER, type Caller } from '../../src/fhir/rest/caller';
import { entryContext, openRequestContext, type RequestContext } from '../../src/fhir/rest/request-context';
import type { RouteParams } from '../../src/fhir/rest/router';
import { createHttpApp } from '../../src/http/create-http-app';
import { FhirError, issue } from '../../src/kernel/errors';

/**
 * The one door: every way a request can reach the store (the fast paths, plain routes, each Bundle entry,
 * operations, history) asks the access policy first. A path added later that skips the decision makes the
 * refusal test below answer something other than 403.
 */

const ROOT = join(__dirname, '..', '..');
const JSON_TYPE = 'application/fhir+json';

interface Decision {
  interaction: string;
  pattern: string;
  operation?: string;
  params: RouteParams;
  caller: Caller;
  requestId: string;
  depth: number;
}

/** Records every decision; refuses (403) the routes `refuse` names. */
class RecordingPolicy implements AccessPolicy {
  readonly open = false;
  decisions: Decision[] = [];
  refuse: (route: AccessRoute) => boolean = () => false;

  authorize(ctx: RequestContext, route: AccessRoute, params: RouteParams): void {
    this.decisions.push({ interaction: route.interaction, pattern: route.pattern, operation: route.operation, params, caller: ctx.caller, requestId: ctx.requestId, depth: ctx.depth });
    if (this.refuse(route)) throw new FhirError(403, [issue('forbidden', `${route.interaction} is not allowed`)]);
  }
}

const patient = (id: string, family: string) => ({ resourceType: 'Patient', id, name: [{ family }] });

describe('the access decision on every path to the store', () => {
  const policy = new RecordingPolicy();
  let app: LucarneApp;
  let http: ReturnType<typeof request>;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lucarne-door-'));
    const config = loadConfig({ env: { LUCARNE_DATA_DIR: dir, LUCARNE_HOST: '127.0.0.1', LUCARNE_WRITER_THREAD: 'false', LOG_LEVEL: 'silent' } });
    app = await createApp(config, { root: ROOT, durability: 'normal', access: policy });
    http = request(createHttpApp(app.ctx, app.router));
    for (const family of ['Door', 'Door2']) {
      expect((await http.put('/fhir/Patient/door1').set('Content-Type', JSON_TYPE).send(patient('door1', family))).status).toBeLessThan(300);
    }
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    policy.decisions = [];
    policy.refuse = () => false;
  });

  it('a plain read and a plain search are answered by the fast paths only after the decision', async () => {
    // No Accept-Encoding: the shape the fast paths answer themselves.
    const read = await http.get('/fhir/Patient/door1').set('Accept-Encoding', '').set('X-Request-Id', 'door-read');
    expect(read.status).toBe(200);
    expect(read.headers['x-request-id']).toBe('door-read');
    const search = await http.get('/fhir/Patient?family=Door2').set('Accept-Encoding', '').set('X-Request-Id', 'door-search');
    expect(search.status).toBe(200);
    expect((search.body as Bundle).entry).toHaveLength(1);
    expect(policy.decisions.map((d) => [d.interaction, d.pattern, d.requestId, d.depth])).toEqual([
      ['read', ':type/:id', 'door-read', 0],
      ['search-type', ':type', 'door-search', 0],
    ]);
    expect(policy.decisions[0].params).toEqual({ type: 'Patient', id: 'door1' });
    expect(policy.decisions[0].caller).toBe(ANONYMOUS_CALLER);
  });

  it('decides each entry of a batch on its own, under the batch caller and request id, one level deeper', async () => {
    const batch = {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { request: { method: 'GET', url: 'Patient/door1' } },
        { request: { method: 'GET', url: 'Patient/door1/_history/1' } },
        { resource: { resourceType: 'Patient', name: [{ family: 'Batch' }] }, request: { method: 'POST', url: 'Patient' } },
      ],
    };
    const res = await http.post('/fhir').set('Content-Type', JSON_TYPE).set('X-Request-Id', 'door-batch').send(batch);
    expect(res.status).toBe(200);
    expect(policy.decisions.map((d) => [d.interaction, d.requestId, d.depth])).toEqual([
      ['bundle', 'door-batch', 0],
      ['read', 'door-batch', 1],
      ['vread', 'door-batch', 1],
      ['create', 'door-batch', 1],
    ]);
    expect(policy.decisions.every((d) => d.caller === ANONYMOUS_CALLER)).toBe(true);
  });

  const refusedRequests: [string, () => request.Test][] = [
    ['read (fast path)', () => http.get('/fhir/Patient/door1').set('Accept-Encoding', '')],
    ['read', () => http.get('/fhir/Patient/door1?_summary=true')],
    ['search (fast path)', () => http.get('/fhir/Patient?family=Door2').set('Accept-Encoding', '')],
    ['search', () => http.get('/fhir/Patient?family=Door2')],
    ['search by POST', () => http.post('/fhir/Patient/_search').type('form').send('family=Door2')],
    ['system search', () => http.get('/fhir?_type=Patient')],
    ['compartment search', () => http.get('/fhir/Patient/door1/Observation')],
    ['vread', () => http.get('/fhir/Patient/door1/_history/1')],
    ['instance history', () => http.get('/fhir/Patient/door1/_history')],
    ['type history', () => http.get('/fhir/Patient/_history')],
    ['system history', () => http.get('/fhir/_history')],
    ['create', () => http.post('/fhir/Patient').set('Content-Type', JSON_TYPE).send({ resourceType: 'Patient' })],
    ['update', () => http.put('/fhir/Patient/door1').set('Content-Type', JSON_TYPE).send(patient('door1', 'Changed'))],
    ['patch', () => http.patch('/fhir/Patient/door1').set('Content-Type', 'application/json-patch+json').send([{ op: 'add', path: '/active', value: true }])],
    ['delete', () => http.delete('/fhir/Patient/door1')],
    ['conditional delete', () => http.delete('/fhir/Patient?family=Door2')],
    ['$validate', () => http.post('/fhir/Patient/$validate').set('Content-Type', JSON_TYPE).send({ resourceType: 'Patient' })],
    ['instance $validate', () => http.get('/fhir/Patient/door1/$validate')],
    ['$imaging-record', () => http.get('/fhir/Patient/door1/$imaging-record')],
    ['$everything', () => http.get('/fhir/Patient/door1/$everything')],
    ['$dose-statistics', () => http.get('/fhir/Observation/$dose-statistics?metric=dlp')],
    ['$expand', () => http.get('/fhir/ValueSet/$expand?url=http://hl7.org/fhir/ValueSet/administrative-gender')],
    ['capabilities', () => http.get('/fhir/metadata')],
  ];

  it.each(refusedRequests)('a refusal stops %s with 403', async (_name, send) => {
    policy.refuse = () => true;
    const res = await send();
    expect(res.status).toBe(403);
    expect((res.body as OperationOutcome).issue?.[0].code).toBe('forbidden');
    expect(policy.decisions.length).toBeGreaterThan(0);
  });

  it('a refused entry of a batch answers 403 in its entry, the others are each decided', async () => {
    policy.refuse = (route) => route.interaction !== 'bundle' && route.interaction !== 'read';
    const batch = {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { request: { method: 'GET', url: 'Patient/door1' } },
        { request: { method: 'GET', url: 'Patient?family=Door2' } },
        { request: { method: 'GET', url: 'Patient/door1/$everything' } },
        { resource: { resourceType: 'Patient', name: [{ family: 'Refused' }] }, request: { method: 'POST', url: 'Patient' } },
      ],
    };
    const res = await http.post('/fhir').set('Content-Type', JSON_TYPE).send(batch);
    expect(res.status).toBe(200);
    expect((res.body as Bundle).entry?.map((e) => e.response?.status)).toEqual(['200 OK', '403 Forbidden', '403 Forbidden', '403 Forbidden']);
  });

  it('a refused entry of a transaction refuses the transaction before anything is read or written', async () => {
    policy.refuse = (route) => route.interaction === 'search-type';
    const transaction = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: 'urn:uuid:8f0c7c1e-0000-4000-8000-00000000d001', resource: { resourceType: 'Patient', name: [{ family: 'NotWritten' }] }, request: { method: 'POST', url: 'Patient' } },
        { request: { method: 'GET', url: 'Patient?family=Door2' } },
      ],
    };
    const res = await http.post('/fhir').set('Content-Type', JSON_TYPE).send(transaction);
    expect(res.status).toBe(403);
    expect(policy.decisions.map((d) => [d.interaction, d.depth])).toEqual([
      ['bundle', 0],
      ['create', 1],
      ['search-type', 1],
    ]);
    policy.refuse = () => false;
    expect(((await http.get('/fhir/Patient?family=NotWritten')).body as Bundle).total).toBe(0);
  });

  it('refuses a batch or transaction nested in an entry, by depth', async () => {
    const inner = { resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: 'Patient/door1' } }] };
    // A Bundle's planner already refuses an entry addressed to the base; the depth holds for any other caller.
    const planned = await http.post('/fhir').set('Content-Type', JSON_TYPE).send({ resourceType: 'Bundle', type: 'batch', entry: [{ resource: inner, request: { method: 'POST', url: '/' } }] });
    expect((planned.body as Bundle).entry?.[0].response?.status).toBe('400 Bad Request');
    const entry = entryContext(openRequestContext(app.ctx, ANONYMOUS_CALLER, 'door-nested'));
    const nested = await app.router.handle(entry, { method: 'POST', path: '', query: new URLSearchParams(), headers: {}, body: inner }).catch((e: unknown) => e);
    expect(nested).toBeInstanceOf(FhirError);
    expect((nested as FhirError).status).toBe(400);
    expect((nested as FhirError).message).toContain('cannot be nested');
    expect(policy.decisions.map((d) => [d.interaction, d.depth])).toEqual([['bundle', 0], ['bundle', 1]]);
  });
});
