import request from 'supertest';
import { startTestServer, type TestServer } from './test-server';

const FHIR_JSON = 'application/fhir+json';
let server: TestServer;

beforeAll(async () => {
  server = startTestServer({ config: { maxBodyBytes: 64 * 1024 } });
  await request(server.app).put('/fhir/Patient/keep').set('Content-Type', FHIR_JSON).send({ resourceType: 'Patient', id: 'keep', gender: 'female' });
});
afterAll(() => server.close());

/** The store's full history: any change made by a rejected request would show up here. */
async function snapshot() {
  const page = await server.store.history({ count: 1000, offset: 0 });
  return page.entries.map((e) => `${e.resourceType}/${e.id}/${e.versionId}`);
}

function expectOutcome(res: request.Response, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toBe('application/fhir+json; charset=utf-8');
  expect(res.body.resourceType).toBe('OperationOutcome');
  expect(res.body.issue.length).toBeGreaterThan(0);
  for (const i of res.body.issue) {
    expect(typeof i.severity).toBe('string');
    expect(typeof i.code).toBe('string');
  }
  expect(res.text).not.toMatch(/at .*\.ts:\d+/);
}

const raw = (method: 'post' | 'put', path: string, text: string, type = FHIR_JSON) =>
  request(server.app)[method](`/fhir/${path}`).set('Content-Type', type).send(text);

const deep = (n: number) => `{"resourceType":"Patient","extension":${'['.repeat(n)}${']'.repeat(n)}}`;

const cases: [string, () => request.Test, number, string?][] = [
  ['malformed JSON', () => raw('post', 'Patient', '{"resourceType": "Patient",'), 400],
  ['JSON that is not an object (array)', () => raw('post', 'Patient', '[1,2]'), 400],
  ['JSON that is not an object (string)', () => raw('post', 'Patient', '"Patient"'), 400],
  ['JSON null', () => raw('put', 'Patient/keep', 'null'), 400],
  ['missing resourceType', () => raw('put', 'Patient/keep', '{"id":"keep"}'), 400, 'resourceType'],
  ['unknown resourceType', () => raw('post', 'Patient', '{"resourceType":"Unicorn"}'), 400, 'resourceType'],
  ['resourceType not matching the URL', () => raw('put', 'Patient/keep', '{"resourceType":"Observation","id":"keep"}'), 400, 'resourceType'],
  ['id not matching the URL', () => raw('put', 'Patient/keep', '{"resourceType":"Patient","id":"other"}'), 400, 'Patient.id'],
  ['PUT without id in body', () => raw('put', 'Patient/keep', '{"resourceType":"Patient"}'), 400],
  ['id with bad characters', () => raw('put', 'Patient/bad_id!', '{"resourceType":"Patient","id":"bad_id!"}'), 400],
  ['id over 64 characters', () => raw('put', `Patient/${'a'.repeat(65)}`, `{"resourceType":"Patient","id":"${'a'.repeat(65)}"}`), 400],
  ['unknown element', () => raw('put', 'Patient/keep', '{"resourceType":"Patient","id":"keep","colour":"blue"}'), 400, 'colour'],
  ['wrong type', () => raw('put', 'Patient/keep', '{"resourceType":"Patient","id":"keep","active":"yes"}'), 400, 'active'],
  ['invalid date', () => raw('put', 'Patient/keep', '{"resourceType":"Patient","id":"keep","birthDate":"2020-13-45"}'), 400, 'birthDate'],
  ['stale If-Match', () => raw('put', 'Patient/keep', '{"resourceType":"Patient","id":"keep"}').set('If-Match', 'W/"9"'), 412],
  ['body over the limit', () => raw('post', 'Patient', JSON.stringify({ resourceType: 'Patient', text: 'x'.repeat(70 * 1024) })), 413],
  ['wrong Content-Type', () => raw('post', 'Patient', '{"resourceType":"Patient"}', 'text/plain'), 415],
  ['XML body', () => raw('post', 'Patient', '<Patient xmlns="http://hl7.org/fhir"/>', 'application/fhir+xml'), 415],
  ['JSON nested 10,000 levels', () => raw('post', 'Patient', deep(10_000)), 400],
  ['very long string as a code', () => raw('put', 'Patient/keep', JSON.stringify({ resourceType: 'Patient', id: 'keep', gender: 'g'.repeat(60_000) })), 422, 'gender'],
  ['very long id in the URL', () => request(server.app).get(`/fhir/Patient/${'a'.repeat(10_000)}`), 400],
  ['__proto__ key', () => raw('put', 'Patient/keep', '{"resourceType":"Patient","id":"keep","__proto__":{"polluted":true}}'), 400],
  ['nested constructor key', () => raw('put', 'Patient/keep', '{"resourceType":"Patient","id":"keep","name":[{"constructor":{"prototype":{"x":1}}}]}'), 400],
  ['escaped __proto__ key', () => raw('put', 'Patient/keep', '{"resourceType":"Patient","id":"keep","\\u005f_proto__":{"polluted":true}}'), 400],
  ['unsupported method', () => request(server.app).post('/fhir/Patient/keep').set('Content-Type', FHIR_JSON).send('{}'), 405],
  ['unknown route', () => request(server.app).get('/fhir/Patient/keep/_history/1/extra/segments'), 404],
  ['unknown route outside /fhir', () => request(server.app).get('/nothing-here'), 404],
  ['XML _format', () => request(server.app).get('/fhir/Patient/keep?_format=xml'), 406],
  ['XML Accept', () => request(server.app).get('/fhir/Patient/keep').set('Accept', 'application/fhir+xml'), 406],
];

describe.each(cases)('%s', (_name, send, status, expression) => {
  it(`answers ${status} with an OperationOutcome and changes nothing`, async () => {
    const before = await snapshot();
    const res = await send();
    expectOutcome(res, status);
    if (expression) {
      const expressions = res.body.issue.flatMap((i: { expression?: string[] }) => i.expression ?? []);
      expect(expressions.some((e: string) => e.includes(expression))).toBe(true);
    }
    expect(await snapshot()).toEqual(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

it('the process still serves after all of it', async () => {
  const res = await request(server.app).get('/fhir/Patient/keep');
  expect(res.status).toBe(200);
  expect(res.body.gender).toBe('female');
  expect(res.body.meta.versionId).toBe('1');
});

it('a long but legal string is stored and read back intact', async () => {
  const family = 'é'.repeat(20_000);
  const put = await request(server.app).put('/fhir/Patient/long').set('Content-Type', FHIR_JSON).send({ resourceType: 'Patient', id: 'long', name: [{ family }] });
  expect(put.status).toBe(201);
  expect((await request(server.app).get('/fhir/Patient/long')).body.name[0].family).toBe(family);
});
