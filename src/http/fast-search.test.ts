import { anonymousCallers } from './caller-of';
import type { IncomingMessage, ServerResponse } from 'node:http';
import request from 'supertest';
import { startTestServer, type TestServer } from '../../test/e2e/test-server';
import { fastSearch } from './fast-search';

/** Headers that legitimately differ between two answers of the same search. */
function comparable(headers: Record<string, string>): Record<string, string> {
  const { date: _d, 'x-request-id': _r, ...rest } = headers;
  return rest;
}

describe.each([[['*']], [[] as string[]]])('fast search path (CORS origins %j)', (corsOrigins) => {
  let server: TestServer;
  let general = 0;
  /** The fast path alone, counting what it hands on to the app (whose own fast path then declines, see `identity`). */
  let handler: (req: IncomingMessage, res: ServerResponse) => void;

  beforeAll(async () => {
    server = startTestServer({ config: { corsOrigins } });
    const fast = fastSearch(server.ctx, server.router, anonymousCallers);
    handler = (req, res) =>
      fast(req, res, () => {
        general++;
        server.app(req as never, res as never);
      });
    for (let i = 0; i < 30; i++) {
      await server.store.create({ resourceType: 'Patient', id: `p${i}`, name: [{ family: `Fam${i % 3}` }], birthDate: '1970-01-01' });
    }
  });
  afterAll(() => server.close());
  beforeEach(() => (general = 0));

  it.each(['Patient?name=fam1&_count=4', 'Patient', 'Patient?_summary=true&_count=2', 'Patient?name=fam1&unknown=1', 'Patient?_summary=count'])(
    'answers %s with the same status, headers and bytes as the general path',
    async (path) => {
      const fast = await request(handler).get(`/fhir/${path}`).set('X-Request-Id', 'fast-1').set('Accept-Encoding', '');
      expect(general).toBe(0);
      // Accept-Encoding: identity takes the general path (compression then leaves the answer as it is).
      const slow = await request(server.app).get(`/fhir/${path}`).set('Accept-Encoding', 'identity');
      expect(fast.status).toBe(200);
      expect(fast.headers['x-request-id']).toBe('fast-1');
      expect(comparable(fast.headers)).toEqual(comparable(slow.headers));
      expect(fast.text).toBe(slow.text);
      expect(JSON.parse(fast.text)).toMatchObject({ resourceType: 'Bundle', type: 'searchset' });
    },
  );

  it('leaves compression, errors, _pretty, other levels and methods to the general path', async () => {
    const gz = await request(handler).get('/fhir/Patient?_count=30').set('Accept-Encoding', 'gzip');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect((await request(handler).get('/fhir/Patient?birthdate=notadate').set('Accept-Encoding', '')).status).toBe(400);
    const strict = await request(handler).get('/fhir/Patient?unknown=1').set('Prefer', 'handling=strict').set('Accept-Encoding', '');
    expect(strict.status).toBe(400);
    expect((await request(handler).get('/fhir/Patient?_pretty=true').set('Accept-Encoding', '')).text).toContain('\n  "resourceType": "Bundle"');
    expect((await request(handler).get('/fhir/Patient?_format=xml').set('Accept-Encoding', '')).status).toBe(406);
    expect((await request(handler).get('/fhir/Nonsense?x=1').set('Accept-Encoding', '')).status).toBe(404);
    expect((await request(handler).get('/fhir/Patient/p1/Observation').set('Accept-Encoding', '')).status).toBe(200);
    expect((await request(handler).post('/fhir/Patient/_search').type('form').send('name=fam1').set('Accept-Encoding', '')).status).toBe(200);
    expect(general).toBe(8);
  });
});
