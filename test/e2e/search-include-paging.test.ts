import request from 'supertest';
import { BASE_URL, startTestServer, type TestServer } from './test-server';

const FHIR_JSON = 'application/fhir+json';
let server: TestServer;
const put = (path: string, body: object) => request(server.app).put(`/fhir/${path}`).set('Content-Type', FHIR_JSON).send(body);
const get = (url: string) => request(server.app).get(url.startsWith(BASE_URL) ? url.slice(BASE_URL.length - '/fhir'.length) : url);
const links = (body: { link: { relation: string; url: string }[] }) => Object.fromEntries(body.link.map((l) => [l.relation, l.url]));

beforeAll(async () => {
  server = startTestServer();
  await put('Organization/org1', { resourceType: 'Organization', id: 'org1', name: 'CHU' });
  for (let i = 1; i <= 7; i++) {
    await put(`Patient/p${i}`, { resourceType: 'Patient', id: `p${i}`, name: [{ family: `Fam${i % 3}` }], managingOrganization: { reference: 'Organization/org1' } });
  }
  await put('ImagingStudy/s1', { resourceType: 'ImagingStudy', id: 's1', status: 'available', subject: { reference: 'Patient/p1' } });
});
afterAll(() => server.close());

describe('search over HTTP: chains, includes, cursors', () => {
  it('chained and reverse-chained searches', async () => {
    const chained = await get('/fhir/ImagingStudy?subject:Patient.organization.name=chu');
    expect(chained.body.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual(['s1']);
    const has = await get('/fhir/Patient?_has:ImagingStudy:subject:status=available');
    expect(has.body.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual(['p1']);
    const ambiguous = await get('/fhir/Observation?focus.type=x');
    expect(ambiguous.status).toBe(400);
    expect(JSON.stringify(ambiguous.body)).toContain('focus.type');
  });

  it('_include and _revinclude entries are marked search.mode=include', async () => {
    const res = await get('/fhir/ImagingStudy?_include=ImagingStudy:subject&_revinclude=Provenance:target');
    const modes = res.body.entry.map((e: { search: { mode: string }; resource: { resourceType: string } }) => `${e.search.mode}:${e.resource.resourceType}`);
    expect(modes).toEqual(['match:ImagingStudy', 'include:Patient']);
    expect((await get('/fhir/ImagingStudy?_include=ImagingStudy:nope')).status).toBe(400);
  });

  it('next links are signed cursors that page without gaps while data changes; tampering is a 400', async () => {
    const seen: string[] = [];
    let res = await get('/fhir/Patient?_sort=family,_id&_count=3');
    let inserted = false;
    for (;;) {
      seen.push(...res.body.entry.map((e: { resource: { id: string } }) => e.resource.id));
      const next = links(res.body).next;
      if (!next) break;
      expect(next).toContain('_cursor=');
      if (!inserted) {
        inserted = true;
        await put('Patient/p0', { resourceType: 'Patient', id: 'p0', name: [{ family: 'Fam0' }] }); // sorts before the cursor
      }
      res = await get(next);
      expect(res.status).toBe(200);
    }
    expect(seen).toEqual(['p3', 'p6', 'p1', 'p4', 'p7', 'p2', 'p5']);
    const first = await get('/fhir/Patient?_sort=family,_id&_count=3');
    const next = new URL(links(first.body).next);
    const token = next.searchParams.get('_cursor')!;
    const forged = token.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'));
    expect((await get(`/fhir/Patient?_sort=family,_id&_count=3&_cursor=${encodeURIComponent(forged)}`)).status).toBe(400);
    expect((await get(`/fhir/Patient?_sort=-family&_count=3&_cursor=${encodeURIComponent(token)}`)).status).toBe(400);
    const second = await get(next.toString());
    const back = await get(links(second.body).previous);
    expect(back.body.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual(['p0', 'p3', 'p6']);
  });

  it('unsupported common parameters are reported, and refused under handling=strict', async () => {
    const lenient = await get('/fhir/Patient?_filter=name eq x');
    expect(lenient.status).toBe(200);
    expect(lenient.body.entry.at(-1).search.mode).toBe('outcome');
    expect((await get('/fhir/Patient?_content=x').set('Prefer', 'handling=strict')).status).toBe(400);
  });
});
