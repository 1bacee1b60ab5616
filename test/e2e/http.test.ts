import request from 'supertest';
import type { RouteDefinition } from '../../src/fhir/rest/router';
import { startTestServer, type TestServer } from './test-server';

let server: TestServer;
const boom: RouteDefinition = {
  method: 'GET',
  pattern: '$boom',
  handler: async () => {
    throw new Error('secret internal detail');
  },
};
beforeAll(() => {
  server = startTestServer({ operations: [boom] });
});
afterAll(() => server.close());

describe('HTTP basics', () => {
  it('/healthz and /readyz', async () => {
    expect((await request(server.app).get('/healthz')).status).toBe(200);
    const ready = await request(server.app).get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ready');
  });

  it('/readyz answers 503 when the store is unreachable', async () => {
    const closed = startTestServer();
    await closed.store.close();
    expect((await request(closed.app).get('/readyz')).status).toBe(503);
    await closed.close().catch(() => undefined);
  });

  it('/readyz answers 503 when the store can take no writes, though it still reads', async () => {
    const stalled = startTestServer();
    stalled.store.ready = async () => {
      throw new Error('the store writer thread stopped');
    };
    expect((await request(stalled.app).get('/readyz')).status).toBe(503);
    expect((await request(stalled.app).get('/fhir/Patient/none')).status).toBe(404);
    await stalled.close();
  });

  it('echoes a sane X-Request-Id and generates one otherwise', async () => {
    const echoed = await request(server.app).get('/fhir/metadata').set('X-Request-Id', 'abc-123');
    expect(echoed.headers['x-request-id']).toBe('abc-123');
    const replaced = await request(server.app).get('/fhir/metadata').set('X-Request-Id', 'bad id\twith spaces');
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const generated = await request(server.app).get('/fhir/Patient/none');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('gzips large answers when asked', async () => {
    // supertest inflates the body itself; the header shows it travelled compressed.
    const res = await request(server.app).get('/fhir/metadata').set('Accept-Encoding', 'gzip');
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.body.resourceType).toBe('CapabilityStatement');
    const plain = await request(server.app).get('/fhir/metadata').set('Accept-Encoding', 'identity');
    expect(plain.headers['content-encoding']).toBeUndefined();
  });

  it('CORS: preflight and exposed headers', async () => {
    const pre = await request(server.app).options('/fhir/Patient').set('Origin', 'https://app.example').set('Access-Control-Request-Method', 'PUT');
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe('*');
    const res = await request(server.app).get('/fhir/metadata').set('Origin', 'https://app.example');
    expect(res.headers['access-control-expose-headers']).toContain('ETag');
    expect(res.headers['access-control-expose-headers']).toContain('Location');
    expect(res.headers['access-control-expose-headers']).toContain('X-Request-Id');
  });

  it('CORS restricted to configured origins', async () => {
    const restricted = startTestServer({ config: { corsOrigins: ['https://ok.example'] } });
    try {
      const ok = await request(restricted.app).get('/fhir/metadata').set('Origin', 'https://ok.example');
      expect(ok.headers['access-control-allow-origin']).toBe('https://ok.example');
      const other = await request(restricted.app).get('/fhir/metadata').set('Origin', 'https://evil.example');
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await restricted.close();
    }
  });

  it('accepts JSON spellings of _format and Accept', async () => {
    for (const f of ['json', 'application/json', 'application/fhir+json']) {
      expect((await request(server.app).get(`/fhir/metadata?_format=${encodeURIComponent(f)}`)).status).toBe(200);
    }
    expect((await request(server.app).get('/fhir/metadata').set('Accept', 'application/json')).status).toBe(200);
    expect((await request(server.app).get('/fhir/metadata').set('Accept', 'text/html,application/xhtml+xml,*/*;q=0.8')).status).toBe(200);
    expect((await request(server.app).post('/fhir/Patient').set('Content-Type', 'application/json').send({ resourceType: 'Patient' })).status).toBe(201);
  });

  it('an unexpected error answers 500 with a generic OperationOutcome, no details', async () => {
    const res = await request(server.app).get('/fhir/$boom');
    expect(res.status).toBe(500);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.text).not.toContain('secret');
    expect(res.text).not.toContain('.ts');
  });

  it('a wrong method on a known route is 405, a method FHIR has no use for is 405', async () => {
    expect((await request(server.app).delete('/fhir/metadata')).status).toBe(405);
    expect((await request(server.app).patch('/fhir/Patient').set('Content-Type', 'application/json-patch+json').send([])).status).toBe(405);
  });
});
