import { loadDefinitions } from '../conformance/definitions';
import { FhirError } from '../../kernel/errors';
import type { FhirRequest } from './fhir-request';
import { createRouterTable, type RouteHandler } from './router';
import { OPEN_ACCESS } from './access-policy';
import type { RequestContext } from './request-context';

const ctx = { definitions: loadDefinitions(), store: {}, access: OPEN_ACCESS, depth: 0 } as unknown as RequestContext;
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
