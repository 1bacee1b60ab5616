import { loadDefinitions } from '../conformance/definitions';
import { FhirError } from '../../kernel/errors';
import type { FhirRequest } from './fhir-request';
import { interactionOf } from './interaction';
import { createRouterTable, type RouteHandler, type RouteMethod } from './router';
import { OPEN_ACCESS, type AccessPolicy } from './access-policy';
import type { RequestContext } from './request-context';
import { NO_AUDIT, type AuditRecord, type AuditSink } from '../../kernel/audit-sink';
import { silentLogger } from '../../kernel/logger';
import { ANONYMOUS_CALLER } from './caller';

const definitions = loadDefinitions();
const base = {
  definitions, store: {}, access: OPEN_ACCESS, audit: NO_AUDIT, depth: 0, requestId: 'r1', caller: ANONYMOUS_CALLER,
  clock: { now: () => new Date('2026-12-04T10:00:00Z') }, config: { baseUrl: 'http://x/fhir' }, logger: silentLogger(),
};
const ctx = { ...base, audits: [] } as unknown as RequestContext;
const echo =
  (name: string): RouteHandler =>
  async (_ctx, _request, params) => ({ status: 200, headers: { route: name, params: JSON.stringify(params) } });
const req = (method: FhirRequest['method'], path: string): FhirRequest => ({ method, path, query: new URLSearchParams(), headers: {} });

async function statusOf(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
    return 200;
  } catch (err) {
    return err instanceof FhirError ? err.status : -1;
  }
}

describe('router table', () => {
  const router = createRouterTable();
  router.register('GET', ':type/:id', echo('read'));
  router.register('GET', ':type/_history', echo('history'));
  router.register('GET', ':type/$validate', echo('validate'));
  router.register('POST', '', echo('bundle'));

  it('prefers literal segments over captures and captures params', async () => {
    expect((await router.handle(ctx, req('GET', 'Patient/_history'))).headers.route).toBe('history');
    expect((await router.handle(ctx, req('GET', 'Patient/$validate'))).headers.route).toBe('validate');
    const read = await router.handle(ctx, req('GET', '/Patient/a1/'));
    expect(read.headers).toEqual({ route: 'read', params: JSON.stringify({ type: 'Patient', id: 'a1' }) });
    expect((await router.handle(ctx, req('HEAD', 'Patient/a1'))).headers.route).toBe('read');
    expect((await router.handle(ctx, req('POST', ''))).headers.route).toBe('bundle');
  });

  it('answers 404 for unknown types and paths, 405 for a known path under another method', async () => {
    expect(await statusOf(router.handle(ctx, req('GET', 'Unicorn/1')))).toBe(404);
    expect(await statusOf(router.handle(ctx, req('GET', 'Patient/1/extra')))).toBe(404);
    expect(await statusOf(router.handle(ctx, req('GET', 'Patient/$everything')))).toBe(404);
    expect(await statusOf(router.handle(ctx, req('DELETE', 'Patient/1')))).toBe(405);
    expect(await statusOf(router.handle(ctx, req('GET', '')))).toBe(405);
  });

  it('a later registration of the same method and pattern replaces the handler', async () => {
    router.register('GET', ':type/:id', echo('read2'));
    expect((await router.handle(ctx, req('GET', 'Patient/1'))).headers.route).toBe('read2');
    expect(router.routes().filter((r) => r.pattern === ':type/:id')).toHaveLength(1);
  });
});

describe('the access decision in the dispatch', () => {
  it('asks the policy with the route and its captures before the handler, and a refusal runs nothing', async () => {
    const asked: string[] = [];
    let ran = 0;
    const policy: AccessPolicy = {
      open: false,
      authorize: (_ctx, route, params) => {
        asked.push(`${route.interaction} ${route.operation ?? ''} ${JSON.stringify(params)}`);
        if (params.id === 'hidden') throw new FhirError(403, []);
      },
    };
    const guarded = { ...base, audits: [], access: policy } as unknown as RequestContext;
    const router = createRouterTable();
    router.register('GET', ':type/:id', async () => ({ status: 200, headers: { ran: String(++ran) } }));
    router.register('GET', 'Patient/:id/$everything', async () => ({ status: 200, headers: {} }));
    expect((await router.handle(guarded, req('GET', 'Patient/a'))).status).toBe(200);
    expect(await statusOf(router.handle(guarded, req('GET', 'Patient/hidden')))).toBe(403);
    await router.handle(guarded, req('GET', 'Patient/a/$everything'));
    expect(ran).toBe(1);
    expect(asked).toEqual(['read  {"type":"Patient","id":"a"}', 'read  {"type":"Patient","id":"hidden"}', 'operation $everything {"id":"a"}']);
  });

  it('records every request for the audit, refused ones included, and answers only once the records are durable', async () => {
    const records: AuditRecord[] = [];
    let durable = 0;
    const audit: AuditSink = {
      record: async (r) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        records.push(r);
        durable++;
      },
    };
    const policy: AccessPolicy = {
      open: false,
      authorize: (_ctx, _route, params) => {
        if (params.id === 'hidden') throw new FhirError(403, [{ severity: 'error', code: 'forbidden', diagnostics: 'not yours' }]);
      },
    };
    const router = createRouterTable();
    router.register('GET', ':type/:id', async () => ({ status: 200, headers: {} }));
    const open = () => ({ ...base, audits: [], access: policy, audit, caller: { clientId: 'app', user: 'Practitioner/p1', scopes: ['user/*.rs'], purposeOfUse: ['TREAT'] } }) as unknown as RequestContext;
    await router.handle(open(), req('GET', 'Patient/a'));
    expect(durable).toBe(1);
    expect(await statusOf(router.handle(open(), req('GET', 'Patient/hidden')))).toBe(403);
    expect(durable).toBe(2);
    expect(await statusOf(router.handle(open(), req('GET', 'Nowhere/at/all')))).toBe(404);
    expect(records.map((r) => [r.event, r.action, r.status, r.entities, r.patients, r.clientId, r.fhirUser])).toEqual([
      ['read', 'R', 200, ['Patient/a'], ['Patient/a'], 'app', 'Practitioner/p1'],
      ['read', 'R', 403, ['Patient/hidden'], ['Patient/hidden'], 'app', 'Practitioner/p1'],
      ['unknown', 'E', 404, [], [], 'app', 'Practitioner/p1'],
    ]);
    expect(records[1].outcomeDescription).toBe('not yours');
    expect(records[0].recorded).toBe('2026-12-04T10:00:00.000Z');
  });

  it('fails the request with 503 when its audit record cannot be made durable', async () => {
    const router = createRouterTable();
    router.register('GET', ':type/:id', async () => ({ status: 200, headers: {} }));
    const failing = { ...base, audits: [], audit: { record: async () => Promise.reject(new Error('disk full')) } } as unknown as RequestContext;
    expect(await statusOf(router.handle(failing, req('GET', 'Patient/a')))).toBe(503);
  });

  it('names the R4 interaction of every core route', () => {
    const of = (method: RouteMethod, pattern: string) => interactionOf(method, pattern);
    expect([
      of('GET', 'metadata'), of('GET', ':type/:id'), of('GET', ':type/:id/_history/:vid'), of('POST', ':type'), of('PUT', ':type/:id'),
      of('PUT', ':type'), of('PATCH', ':type/:id'), of('DELETE', ':type'), of('GET', ':type/:id/_history'), of('GET', ':type/_history'),
      of('GET', '_history'), of('GET', ':type'), of('POST', ':type/_search'), of('GET', ''), of('POST', '_search'),
      of('GET', ':type/:id/:target'), of('POST', ''), of('POST', ':type/$validate'),
    ]).toEqual([
      'capabilities', 'read', 'vread', 'create', 'update',
      'update', 'patch', 'delete', 'history-instance', 'history-type',
      'history-system', 'search-type', 'search-type', 'search-system', 'search-system',
      'search-type', 'bundle', 'operation',
    ]);
  });
});
