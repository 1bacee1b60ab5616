import request from 'supertest';
import { BASE_URL, startTestServer, type TestServer } from './test-server';

const FHIR_JSON = 'application/fhir+json';
type Link = { relation: string; url: string };
const linkOf = (body: { link: Link[] }, relation: string) => body.link.find((l) => l.relation === relation)?.url;

async function seed(server: TestServer): Promise<void> {
  for (let i = 1; i <= 3; i++) {
    const body = { resourceType: 'Patient', id: `h${i}`, name: [{ family: 'Martin' }] };
    await request(server.app).put(`/fhir/Patient/h${i}`).set('Content-Type', FHIR_JSON).send(body).expect(201);
  }
}

describe('unknown search parameters, lenient by default', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = startTestServer();
    await seed(server);
  });
  afterAll(() => server.close());

  it('ignores them with a warning, and leaves them out of self and the paging links', async () => {
    const res = await request(server.app).get('/fhir/Patient?family=martin&foo=bar&_content=x&_count=2');
    expect(res.status).toBe(200);
    const outcome = res.body.entry.find((e: { search: { mode: string } }) => e.search.mode === 'outcome');
    expect(outcome.resource.issue.map((i: { severity: string }) => i.severity)).toEqual(['warning', 'warning']);
    expect(outcome.resource.issue.map((i: { diagnostics: string }) => i.diagnostics).join(' ')).toMatch(/'foo'.*'_content'/);
    expect(linkOf(res.body, 'self')).toBe(`${BASE_URL}/Patient?family=martin&_count=2`);
    const next = linkOf(res.body, 'next')!;
    expect(next).not.toMatch(/foo|_content/);

    // The next link is a valid page of the same search.
    const page2 = await request(server.app).get(next.slice(BASE_URL.length - '/fhir'.length));
    expect(page2.status).toBe(200);
    expect(page2.body.entry.filter((e: { search: { mode: string } }) => e.search.mode === 'match')).toHaveLength(1);
  });

  it('answers 400 under Prefer: handling=strict', async () => {
    const res = await request(server.app).get('/fhir/Patient?family=martin&foo=bar').set('Prefer', 'handling=strict');
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue[0].diagnostics).toContain('foo');
  });

  it('says in the CapabilityStatement that unknown parameters are ignored unless strict is asked for', async () => {
    const cs = (await request(server.app).get('/fhir/metadata')).body;
    expect(cs.rest[0].documentation).toMatch(/Unknown search parameters are ignored.*handling=strict/);
  });
});

describe('unknown search parameters with searchHandling=strict', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = startTestServer({ config: { searchHandling: 'strict' } });
    await seed(server);
  });
  afterAll(() => server.close());

  it('answers 400 without a Prefer header, and a known search still works', async () => {
    const res = await request(server.app).get('/fhir/Patient?family=martin&foo=bar');
    expect(res.status).toBe(400);
    expect(res.body.issue[0].code).toBe('not-supported');
    expect((await request(server.app).get('/fhir/Patient?family=martin')).status).toBe(200);
  });

  it('lets a client ask for lenient handling', async () => {
    const res = await request(server.app).get('/fhir/Patient?family=martin&foo=bar').set('Prefer', 'handling=lenient');
    expect(res.status).toBe(200);
    expect(linkOf(res.body, 'self')).toBe(`${BASE_URL}/Patient?family=martin&_count=20`);
  });

  it('says in the CapabilityStatement that unknown parameters are refused', async () => {
    const cs = (await request(server.app).get('/fhir/metadata')).body;
    expect(cs.rest[0].documentation).toMatch(/Unknown search parameters are refused with 400.*handling=lenient/);
  });
});
