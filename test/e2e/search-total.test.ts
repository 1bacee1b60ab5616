import request from 'supertest';
import { BASE_URL, startTestServer, type TestServer } from './test-server';

const FHIR_JSON = 'application/fhir+json';
let server: TestServer;
const get = (path: string) => request(server.app).get(path);
const next = (body: { link: { relation: string; url: string }[] }) => body.link.find((l) => l.relation === 'next')?.url.slice(BASE_URL.length - '/fhir'.length);

beforeAll(async () => {
  server = startTestServer();
  for (let i = 1; i <= 5; i++) {
    const body = { resourceType: 'Patient', id: `t${i}`, name: [{ family: i <= 3 ? 'Totalement' : 'Autre' }] };
    await request(server.app).put(`/fhir/Patient/t${i}`).set('Content-Type', FHIR_JSON).send(body).expect(201);
  }
});
afterAll(() => server.close());

describe('Bundle.total of a search', () => {
  it('is given without _total when every match fits in the page', async () => {
    const res = await get('/fhir/Patient?family=totalement').expect(200);
    expect(res.body.total).toBe(3);
    expect(next(res.body)).toBeUndefined();
    expect((await get('/fhir/Patient?family=nobody').expect(200)).body.total).toBe(0);
  });

  it('is given on every page of a search that has few enough matches, by offset and by cursor', async () => {
    const first = await get('/fhir/Patient?family=totalement&_count=2&_sort=_id').expect(200);
    expect(first.body.total).toBe(3);
    const second = await get(next(first.body)!).expect(200);
    expect(second.body.entry).toHaveLength(1);
    expect(second.body.total).toBe(3);
    const byOffset = await get('/fhir/Patient?_count=2&_offset=2').expect(200);
    expect(byOffset.body.total).toBe(5);
    const past = await get('/fhir/Patient?_count=2&_offset=10').expect(200);
    expect(past.body.total).toBe(5);
  });

  it('is left out with _total=none, and counted with _total=accurate', async () => {
    expect((await get('/fhir/Patient?family=totalement&_total=none').expect(200)).body.total).toBeUndefined();
    expect((await get('/fhir/Patient?family=totalement&_count=1&_total=none').expect(200)).body.total).toBeUndefined();
    expect((await get('/fhir/Patient?family=totalement&_count=1&_total=accurate').expect(200)).body.total).toBe(3);
  });

  it('is given for system and compartment searches too', async () => {
    expect((await get('/fhir?_type=Patient&_count=2').expect(200)).body.total).toBe(5);
    expect((await get('/fhir/Patient/t1/Observation').expect(200)).body.total).toBe(0);
  });
});
