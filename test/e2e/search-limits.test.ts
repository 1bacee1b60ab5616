import type { Bundle, OperationOutcome } from '@medplum/fhirtypes';
import type request from 'supertest';
import { FHIR_JSON, startBundleTestServer, type BundleTestServer } from './bundle-test-helpers';

let server: BundleTestServer;

beforeAll(async () => {
  server = await startBundleTestServer();
  for (const [id, family] of [['p1', 'Dupont'], ['p2', 'Martin'], ['p3', 'Durand']]) {
    await server.http.put(`/fhir/Patient/${id}`).set('Content-Type', FHIR_JSON).send({ resourceType: 'Patient', id, name: [{ family }] });
  }
});
afterAll(() => server.close());

const repeat = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i));
const names = (n: number) => repeat(n, (i) => `n${i}`).join(',');

/** The probe's shapes, as query strings. */
const SHAPES: [string, string, string][] = [
  ['an AND of 991 names', repeat(991, (i) => `name=n${i}`).join('&'), 'maxParameters'],
  ['an OR list of 501 names', `name=${names(501)}`, 'maxOrValues'],
  ['an OR list of 501 identifiers', `identifier=${repeat(501, (i) => `urn:x|${i}`).join(',')}`, 'maxOrValues'],
  ['32,764 _ids', `_id=${repeat(32764, (i) => `p${i}`).join(',')}`, 'maxOrValues'],
  ['repeated _include', repeat(200, () => '_include=Patient:organization').join('&'), 'maxIncludes'],
  ['1,000 sort keys', `_sort=${repeat(1000, () => 'name').join(',')}`, 'maxSortKeys'],
];

function expectTooCostly(res: request.Response, limit: string) {
  expect(res.status).toBe(400);
  const outcome = res.body as OperationOutcome;
  expect(outcome.resourceType).toBe('OperationOutcome');
  expect(outcome.issue?.[0].code).toBe('too-costly');
  expect(outcome.issue?.[0].diagnostics).toContain(limit);
}

async function timed<T>(run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await run();
  expect(performance.now() - started).toBeLessThan(2000);
  return result;
}

describe('search size limits over HTTP', () => {
  it.each(SHAPES)('POST _search with %s answers 400 quickly', async (_what, query, limit) => {
    const res = await timed(() => server.http.post('/fhir/Patient/_search').type('form').send(query));
    expectTooCostly(res, limit);
  });

  it.each(SHAPES.filter(([, q]) => q.length < 12000))('GET with %s answers 400 (fast search path included)', async (_what, query, limit) => {
    expectTooCostly(await timed(() => server.http.get(`/fhir/Patient?${query}`)), limit);
  });

  it('a duplicate sort key is refused', async () => {
    const res = await server.http.get('/fhir/Patient?_sort=name,-name');
    expect(res.status).toBe(400);
    expect(res.body.issue[0].diagnostics).toMatch(/more than once/);
  });

  it('a Bundle entry past a limit answers its own 400; the other entries run', async () => {
    const bundle = {
      resourceType: 'Bundle', type: 'batch',
      entry: [
        { request: { method: 'GET', url: `Patient?name=${names(501)}` } },
        { request: { method: 'GET', url: 'Patient?_id=p1' } },
      ],
    };
    const res = await timed(() => server.http.post('/fhir').set('Content-Type', FHIR_JSON).send(bundle));
    expect(res.status).toBe(200);
    const [over, fine] = (res.body as Bundle).entry ?? [];
    expect(over.response?.status).toMatch(/^400/);
    expect((over.response?.outcome as OperationOutcome).issue?.[0].code).toBe('too-costly');
    expect(fine.response?.status).toMatch(/^200/);
  });

  it('$imaging-record with 1,000 modalities answers 400', async () => {
    const res = await timed(() => server.http.get(`/fhir/Patient/p1/$imaging-record?modality=${repeat(1000, () => 'CT').join(',')}`));
    expectTooCostly(res, 'maxOrValues');
  });
});

describe('conditional criteria', () => {
  const patient = { resourceType: 'Patient', name: [{ family: 'Nouveau' }] };

  it.each([
    ['If-None-Exist', () => server.http.post('/fhir/Patient').set('Content-Type', FHIR_JSON).set('If-None-Exist', `name=${names(501)}`).send(patient)],
    ['conditional update', () => server.http.put(`/fhir/Patient?${repeat(40, (i) => `name=n${i}`).join('&')}`).set('Content-Type', FHIR_JSON).send(patient)],
    ['conditional delete', () => server.http.delete(`/fhir/Patient?_id=${repeat(300, (i) => `p${i}`).join(',')}`)],
  ])('%s past a search limit answers 400 and writes nothing', async (_what, send) => {
    const before = (await server.app.ctx.store.history({ count: 1000, offset: 0 })).total;
    const res = await timed(send);
    expect(res.status).toBe(400);
    expect(res.body.issue[0].code).toBe('too-costly');
    expect((await server.app.ctx.store.history({ count: 1000, offset: 0 })).total).toBe(before);
  });

  it.each([
    ['If-None-Exist with _sort', () => server.http.post('/fhir/Patient').set('Content-Type', FHIR_JSON).set('If-None-Exist', `family=dupont&_sort=${repeat(300, () => 'name').join(',')}`).send(patient)],
    ['If-None-Exist with _count', () => server.http.post('/fhir/Patient').set('Content-Type', FHIR_JSON).set('If-None-Exist', 'family=dupont&_count=5').send(patient)],
    ['conditional update with _include', () => server.http.put('/fhir/Patient?family=dupont&_include=Patient:organization').set('Content-Type', FHIR_JSON).send(patient)],
    ['conditional delete with _sort', () => server.http.delete('/fhir/Patient?family=dupont&_sort=-_lastUpdated')],
    ['conditional patch with _count', () => server.http.patch('/fhir/Patient?family=dupont&_count=1').set('Content-Type', 'application/json-patch+json').send([{ op: 'add', path: '/active', value: true }])],
  ])('%s is refused with 400 naming the parameter', async (_what, send) => {
    const res = await timed(send);
    expect(res.status).toBe(400);
    expect(res.body.issue[0].diagnostics).toMatch(/result parameters: _(sort|count|include)/);
  });

  it('If-None-Exist still finds the existing match', async () => {
    const res = await server.http.post('/fhir/Patient').set('Content-Type', FHIR_JSON).set('If-None-Exist', 'family=dupont&_format=json').send(patient);
    expect(res.status).toBe(200);
    expect(res.body.id).toBe('p1');
  });
});

describe('values with nothing to search for', () => {
  it.each(['family=-', 'family=%25', 'name=.'])('GET Patient?%s is a 400', async (query) => {
    const res = await server.http.get(`/fhir/Patient?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.issue[0].diagnostics).toMatch(/no letter or digit/);
  });

  it('a conditional delete on family=- deletes nothing', async () => {
    const res = await server.http.delete('/fhir/Patient?family=-');
    expect(res.status).toBe(400);
    for (const id of ['p1', 'p2', 'p3']) expect((await server.http.get(`/fhir/Patient/${id}`)).status).toBe(200);
  });
});
