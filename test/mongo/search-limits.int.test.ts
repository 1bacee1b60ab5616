import { FHIR_JSON, startBundleTestServer, type BundleTestServer } from '../e2e/bundle-test-helpers';
import { BASE_URL, useTestBackend } from '../e2e/test-server';
import { openMongoTestBackend } from './mongo-test-backend';
import { describeMongo } from './mongo-test-env';

const repeat = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i));

/** The search limits are the store's too: the probe's shapes answer 400 on MongoDB, searches at the limits 200. */
describeMongo('search limits on the MongoDB store', () => {
  let backend: Awaited<ReturnType<typeof openMongoTestBackend>>;
  let server: BundleTestServer;
  beforeAll(async () => {
    backend = await openMongoTestBackend('limits', 0, BASE_URL);
    useTestBackend(backend);
    server = await startBundleTestServer();
    await server.http.put('/fhir/Patient/p1').set('Content-Type', FHIR_JSON).send({ resourceType: 'Patient', id: 'p1', name: [{ family: 'Dupont' }] });
  }, 60_000);
  afterAll(async () => {
    await server.close();
    useTestBackend(undefined);
    await backend.close();
  });

  it.each([
    ['an OR list of 501 names', `name=${repeat(501, (i) => `n${i}`).join(',')}`, 'maxOrValues'],
    ['1,000 sort keys', `_sort=${repeat(1000, () => 'name').join(',')}`, 'maxSortKeys'],
    ['32,764 _ids', `_id=${repeat(32764, (i) => `p${i}`).join(',')}`, 'maxOrValues'],
  ])('%s answers 400 too-costly', async (_what, query, limit) => {
    const res = await server.http.post('/fhir/Patient/_search').type('form').send(query);
    expect(res.status).toBe(400);
    expect(res.body.issue[0].code).toBe('too-costly');
    expect(res.body.issue[0].diagnostics).toContain(limit);
  });

  it('a search at the limits answers 200', async () => {
    const query = [...repeat(30, (i) => `name=n${i},dupont`), `_id=${repeat(90, (i) => `p${i}`).join(',')}`, '_sort=name,family,given,birthdate,gender,address,phone,-_lastUpdated'].join('&');
    const res = await server.http.post('/fhir/Patient/_search').type('form').send(query);
    expect(res.status).toBe(200);
    expect(res.body.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual(['p1']);
  });

  it('conditional criteria refuse _sort and punctuation-only values', async () => {
    const sorted = await server.http.post('/fhir/Patient').set('Content-Type', FHIR_JSON).set('If-None-Exist', 'family=dupont&_sort=name').send({ resourceType: 'Patient' });
    expect(sorted.status).toBe(400);
    expect((await server.http.delete('/fhir/Patient?family=-')).status).toBe(400);
    expect((await server.http.get('/fhir/Patient/p1')).status).toBe(200);
  });
});
