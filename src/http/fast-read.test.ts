import request from 'supertest';
import type { RouteHandler } from '../fhir/rest/router';
import type { VersionRecord } from '../store/store';
import { startTestServer, type TestServer } from '../../test/e2e/test-server';

const OLD = 'Thu, 01 Jan 1970 00:00:00 GMT';

/** Headers that legitimately differ between two answers of the same resource. */
function comparable(headers: Record<string, string>): Record<string, string> {
  const { date: _d, 'x-request-id': _r, ...rest } = headers;
  return rest;
}

describe.each([[['*']], [[] as string[]]])('fast read path (CORS origins %j)', (corsOrigins) => {
  let server: TestServer;
  let generalReads = 0;
  const countingRead: RouteHandler = async (ctx, req, params) => {
    generalReads++;
    const { read } = await import('../fhir/rest/read');
    return read(ctx, req, params);
  };

  beforeAll(async () => {
    server = startTestServer({ config: { corsOrigins }, operations: [{ method: 'GET', pattern: ':type/:id', handler: countingRead }] });
    await server.store.create({ resourceType: 'Patient', id: 'small', active: true });
    await server.store.create({
      resourceType: 'Patient',
      id: 'big',
      name: Array.from({ length: 40 }, (_, i) => ({ family: `Family${i}`, given: [`Given${i}`] })),
    });
    await server.store.create({ resourceType: 'Patient', id: 'gone' });
    await server.store.delete('Patient', 'gone');
  });
  afterAll(() => server.close());
  beforeEach(() => (generalReads = 0));

  it.each(['small', 'big'])('answers %s with the same status, headers and bytes as the general path', async (id) => {
    const fast = await request(server.app).get(`/fhir/Patient/${id}`).set('X-Request-Id', 'fast-1').set('Accept-Encoding', '');
    expect(generalReads).toBe(0);
    const general = await request(server.app).get(`/fhir/Patient/${id}`).set('If-Modified-Since', OLD).set('Accept-Encoding', '');
    expect(generalReads).toBe(1);
    expect(fast.status).toBe(200);
    expect(fast.headers['x-request-id']).toBe('fast-1');
    expect(comparable(fast.headers)).toEqual(comparable(general.headers));
    expect(fast.text).toBe(general.text);
    expect(JSON.parse(fast.text)).toMatchObject({ resourceType: 'Patient', id, meta: { versionId: '1' } });
  });

  it('leaves compression, conditional reads, queries, deletions and unknown ids to the general path', async () => {
    const gz = await request(server.app).get('/fhir/Patient/big').set('Accept-Encoding', 'gzip');
    expect(gz.headers['content-encoding']).toBe('gzip');
    const small = await request(server.app).get('/fhir/Patient/small').set('Accept-Encoding', 'gzip');
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(generalReads).toBe(1); // only the big one, which compression encodes
    const notModified = await request(server.app).get('/fhir/Patient/small').set('If-None-Match', 'W/"1"');
    expect(notModified.status).toBe(304);
    const summary = await request(server.app).get('/fhir/Patient/big?_elements=id');
    expect(summary.body.name).toBeUndefined();
    expect((await request(server.app).get('/fhir/Patient/gone')).status).toBe(410);
    expect((await request(server.app).get('/fhir/Patient/nobody')).status).toBe(404);
    expect((await request(server.app).get('/fhir/Nonsense/x')).status).toBe(404);
    expect((await request(server.app).get('/fhir/Patient/small').set('Accept', 'application/fhir+xml')).status).toBe(406);
    // The unknown type is refused by the router before any read handler.
    expect(generalReads).toBe(5);
  });

  it('sends the stored text without parsing it, and serialises records of backends that have no text', async () => {
    const store = server.ctx.store;
    const read = store.read.bind(store);
    const seen: VersionRecord[] = [];
    try {
      store.read = async (type, id) => {
        const record = await read(type, id);
        if (record) seen.push(record);
        return record;
      };
      const fromText = await request(server.app).get('/fhir/Patient/small');
      expect(fromText.status).toBe(200);
      // Still the lazy accessor: the resource was never parsed.
      expect(typeof Object.getOwnPropertyDescriptor(seen[0], 'resource')?.get).toBe('function');
      // A plain record (as the MongoDB store gives): no `json`, same answer.
      store.read = async (type, id) => {
        const record = await read(type, id);
        return record && { ...record };
      };
      const fromObject = await request(server.app).get('/fhir/Patient/small');
      expect(generalReads).toBe(0);
      expect(comparable(fromObject.headers)).toEqual(comparable(fromText.headers));
      expect(fromObject.text).toBe(fromText.text);
    } finally {
      store.read = read;
    }
  });

  it('keeps _pretty working from the stored text', async () => {
    const res = await request(server.app).get('/fhir/Patient/small?_pretty=true');
    expect(res.text).toContain('\n  "resourceType": "Patient"');
  });
});
