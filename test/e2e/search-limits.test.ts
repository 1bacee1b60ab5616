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

describe('searches at the limits', () => {
  const ids = (n: number, p = 'p') => repeat(n, (i) => `${p}${i}`).join(',');
  /** The largest shapes the limits let through: each must answer 200 (never a database error). */
  const AT_LIMITS: [string, string, string][] = [
    ['Patient', '32 ANDed names with 150 values', [...repeat(31, (i) => `name=n${i}`), `name=${names(100)}`, `_id=${ids(19)}`].slice(0, 32).join('&')],
    ['Patient', '100 _ids, 50 identifiers, 8 sort keys', `_id=${ids(100)}&identifier=${repeat(50, (i) => `urn:x|${i}`).join(',')}&_sort=name,family,given,birthdate,gender,address,phone,-_lastUpdated`],
    ['Observation', '32 chained and reverse-chained parameters', repeat(32, (i) => i % 2 ? `subject:Patient.name=n${i}` : `_has:Provenance:target:agent=Practitioner/x${i}`).join('&')],
    ['Observation', 'deep chains with 150 values', [`subject:Patient.organization.partof.name=${names(100)}`, ...repeat(25, (i) => `subject:Patient.general-practitioner:Practitioner.name=m${i},k${i}`)].join('&')],
    ['Patient', '16 iterated includes and revincludes', [
      ...['Patient:organization', 'Patient:general-practitioner', 'Organization:partof', 'Patient:link', 'Organization:endpoint', 'Patient:*', '*']
        .map((r) => `_include:iterate=${r}`),
      ...['Observation:subject', 'Provenance:target', 'Encounter:subject', 'ImagingStudy:subject', 'DiagnosticReport:subject', 'ServiceRequest:subject', 'Observation:patient', 'Condition:subject', 'AuditEvent:entity']
        .map((r) => `_revinclude:iterate=${r}`),
    ].join('&')],
    ['Patient', '32 four-link chains, sorted on 8 keys', [
      ...repeat(32, (i) => `_has:Observation:subject:_has:Provenance:target:agent:Practitioner.name=${names(4)}x${i}`),
      '_sort=name,family,given,birthdate,gender,address,phone,-_lastUpdated',
    ].join('&')],
    ['Patient', 'modifiers mixed', [
      ...repeat(8, (i) => `name:contains=${names(8)}y${i}`), ...repeat(8, (i) => `family:exact=${names(5)}z${i}`),
      ...repeat(8, (i) => `identifier:text=${names(3)}t${i}`), ...repeat(8, (i) => `birthdate=ge19${10 + i},lt20${10 + i}`),
    ].join('&')],
    ['Observation', 'composite values', `code-value-quantity=${repeat(100, (i) => `http://loinc.org|${i}$gt${i}`).join(',')}&combo-code-value-quantity=${repeat(50, (i) => `c${i}$${i}`).join(',')}`],
  ];

  it.each(AT_LIMITS)('%s with %s answers 200', async (type, _what, query) => {
    const res = await timed(() => server.http.post(`/fhir/${type}/_search`).type('form').send(query));
    expect(res.status).toBe(200);
    expect(res.body.resourceType).toBe('Bundle');
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
