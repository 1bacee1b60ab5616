import type { SearchParameter } from '@medplum/fhirtypes';
import request from 'supertest';
import { BASE_URL, startTestServer, type TestServer } from './test-server';

const FHIR_JSON = 'application/fhir+json';
let server: TestServer;
const put = (path: string, body: object) => request(server.app).put(`/fhir/${path}`).set('Content-Type', FHIR_JSON).send(body);

beforeAll(async () => {
  server = startTestServer();
  for (let i = 1; i <= 5; i++) {
    await put(`Patient/s${i}`, { resourceType: 'Patient', id: `s${i}`, name: [{ family: i <= 3 ? 'Martin' : 'Petit' }], gender: 'female' });
  }
  await put('ImagingStudy/is1', { resourceType: 'ImagingStudy', id: 'is1', status: 'available', subject: { reference: 'Patient/s1' } });
  await put('ImagingStudy/is2', { resourceType: 'ImagingStudy', id: 'is2', status: 'available', subject: { reference: 'Patient/s2' } });
});
afterAll(() => server.close());

describe('search', () => {
  it('type search with paging links, total and next/previous', async () => {
    const page1 = await request(server.app).get('/fhir/Patient?family=martin&_count=2&_total=accurate');
    expect(page1.status).toBe(200);
    expect(page1.body.type).toBe('searchset');
    expect(page1.body.total).toBe(3);
    expect(page1.body.entry).toHaveLength(2);
    expect(page1.body.entry[0].search.mode).toBe('match');
    expect(page1.body.entry[0].fullUrl).toMatch(new RegExp(`^${BASE_URL}/Patient/s[123]$`));
    const links = Object.fromEntries(page1.body.link.map((l: { relation: string; url: string }) => [l.relation, l.url]));
    expect(links.self.startsWith(`${BASE_URL}/Patient?`)).toBe(true);
    expect(links.previous).toBeUndefined();
    const next = await request(server.app).get(links.next.slice(BASE_URL.length - '/fhir'.length));
    expect(next.body.entry).toHaveLength(1);
    const nextLinks = Object.fromEntries(next.body.link.map((l: { relation: string; url: string }) => [l.relation, l.url]));
    expect(nextLinks.next).toBeUndefined();
    expect(nextLinks.previous).toBeDefined();
    const ids = [...page1.body.entry, ...next.body.entry].map((e: { resource: { id: string } }) => e.resource.id).sort();
    expect(ids).toEqual(['s1', 's2', 's3']);
  });

  it('POST _search with form parameters', async () => {
    const res = await request(server.app).post('/fhir/Patient/_search').type('form').send('family=petit');
    expect(res.status).toBe(200);
    expect(res.body.entry.map((e: { resource: { id: string } }) => e.resource.id).sort()).toEqual(['s4', 's5']);
  });

  it('reports unknown parameters in an outcome entry, or 400 under handling=strict', async () => {
    const lenient = await request(server.app).get('/fhir/Patient?family=petit&foo=bar');
    expect(lenient.status).toBe(200);
    const outcome = lenient.body.entry.find((e: { search: { mode: string } }) => e.search.mode === 'outcome');
    expect(outcome.resource.resourceType).toBe('OperationOutcome');
    expect(outcome.resource.issue[0].diagnostics).toContain('foo');
    const strict = await request(server.app).get('/fhir/Patient?family=petit&foo=bar').set('Prefer', 'handling=strict');
    expect(strict.status).toBe(400);
    expect(strict.body.resourceType).toBe('OperationOutcome');
  });

  it('system search with _type, compartment search, _summary=count', async () => {
    const system = await request(server.app).get('/fhir?_type=ImagingStudy&_total=accurate');
    expect(system.status).toBe(200);
    expect(system.body.total).toBe(2);
    const compartment = await request(server.app).get('/fhir/Patient/s1/ImagingStudy');
    expect(compartment.status).toBe(200);
    expect(compartment.body.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual(['is1']);
    const count = await request(server.app).get('/fhir/Patient?_summary=count');
    expect(count.body.total).toBe(5);
    expect(count.body.entry ?? []).toHaveLength(0);
    expect((await request(server.app).get('/fhir/Patient/s1/Unicorn')).status).toBe(400);
  });

  it('every search parameter advertised in the CapabilityStatement parses and runs', async () => {
    const cs = (await request(server.app).get('/fhir/metadata')).body;
    for (const type of ['Patient', 'ImagingStudy', 'Observation', 'DiagnosticReport', 'ServiceRequest', 'Endpoint']) {
      const params = cs.rest[0].resource.find((r: { type: string }) => r.type === type).searchParam as { name: string; type: string }[];
      expect(params.length).toBeGreaterThan(3);
      for (const p of params) {
        const sample: Record<string, string> = { string: 'x', token: 'x', reference: 'x', date: '2020', number: '1', quantity: '1', uri: 'http://x' };
        const value = p.type !== 'composite' ? sample[p.type]
          : (server.ctx.definitions.searchParameter(type, p.name)?.component ?? [])
            .map((c) => sample[server.ctx.definitions.canonical<SearchParameter>(c.definition)!.type as string]).join('$');
        const res = await request(server.app).get(`/fhir/${type}?${p.name}=${encodeURIComponent(value!)}`).set('Prefer', 'handling=strict');
        if (res.status !== 200) throw new Error(`${type}?${p.name} → ${res.status} ${JSON.stringify(res.body)}`);
      }
    }
  });
});

describe('conditional interactions', () => {
  it('If-None-Exist: creates once, then returns the match; 412 on several matches', async () => {
    const body = { resourceType: 'Patient', identifier: [{ system: 'urn:x', value: 'ine-1' }] };
    const first = await request(server.app).post('/fhir/Patient').set('Content-Type', FHIR_JSON).set('If-None-Exist', 'identifier=urn:x|ine-1').send(body);
    expect(first.status).toBe(201);
    const second = await request(server.app).post('/fhir/Patient').set('Content-Type', FHIR_JSON).set('If-None-Exist', 'identifier=urn:x|ine-1').send(body);
    expect(second.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);
    const several = await request(server.app).post('/fhir/Patient').set('Content-Type', FHIR_JSON).set('If-None-Exist', 'family=martin').send(body);
    expect(several.status).toBe(412);
    expect((await request(server.app).post('/fhir/Patient').set('Content-Type', FHIR_JSON).set('If-None-Exist', 'nonsense=1').send(body)).status).toBe(400);
  });

  it('conditional update: 0 matches creates, 1 updates, several 412', async () => {
    const body = (gender: string) => ({ resourceType: 'Patient', identifier: [{ system: 'urn:x', value: 'cu-1' }], gender });
    const created = await request(server.app).put('/fhir/Patient?identifier=urn:x|cu-1').set('Content-Type', FHIR_JSON).send(body('male'));
    expect(created.status).toBe(201);
    const updated = await request(server.app).put('/fhir/Patient?identifier=urn:x|cu-1').set('Content-Type', FHIR_JSON).send(body('female'));
    expect(updated.status).toBe(200);
    expect(updated.body.id).toBe(created.body.id);
    expect(updated.headers.etag).toBe('W/"2"');
    expect((await request(server.app).put('/fhir/Patient?family=martin').set('Content-Type', FHIR_JSON).send(body('other'))).status).toBe(412);
  });

  it('conditional delete: single, 412 on several unless allowed', async () => {
    await put('Patient/cd1', { resourceType: 'Patient', id: 'cd1', identifier: [{ system: 'urn:cd', value: 'a' }] });
    await put('Patient/cd2', { resourceType: 'Patient', id: 'cd2', identifier: [{ system: 'urn:cd', value: 'b' }] });
    await put('Patient/cd3', { resourceType: 'Patient', id: 'cd3', identifier: [{ system: 'urn:cd', value: 'b' }] });
    expect((await request(server.app).delete('/fhir/Patient?identifier=urn:cd|a')).status).toBe(204);
    expect((await request(server.app).get('/fhir/Patient/cd1')).status).toBe(410);
    expect((await request(server.app).delete('/fhir/Patient?identifier=urn:cd|b')).status).toBe(412);
    expect((await request(server.app).get('/fhir/Patient/cd2')).status).toBe(200);
    expect((await request(server.app).delete('/fhir/Patient')).status).toBe(400);
  });

  it('conditional delete of several when allowMultipleDelete', async () => {
    const multi = startTestServer({ config: { allowMultipleDelete: true } });
    try {
      for (const id of ['m1', 'm2', 'm3']) {
        await request(multi.app).put(`/fhir/Patient/${id}`).set('Content-Type', FHIR_JSON).send({ resourceType: 'Patient', id, gender: 'male' });
      }
      expect((await request(multi.app).delete('/fhir/Patient?gender=male')).status).toBe(204);
      for (const id of ['m1', 'm2', 'm3']) expect((await request(multi.app).get(`/fhir/Patient/${id}`)).status).toBe(410);
      const cs = (await request(multi.app).get('/fhir/metadata')).body;
      expect(cs.rest[0].resource[0].conditionalDelete).toBe('multiple');
    } finally {
      await multi.close();
    }
  });
});

describe('history', () => {
  it('type and system history with _count paging, _since and _at', async () => {
    const h = startTestServer();
    try {
      const app = h.app;
      const put1 = await request(app).put('/fhir/Patient/h1').set('Content-Type', FHIR_JSON).send({ resourceType: 'Patient', id: 'h1', gender: 'male' });
      const v1Time = put1.body.meta.lastUpdated as string;
      await new Promise((r) => setTimeout(r, 5));
      const put2 = await request(app).put('/fhir/Patient/h1').set('Content-Type', FHIR_JSON).send({ resourceType: 'Patient', id: 'h1', gender: 'female' });
      await request(app).put('/fhir/Organization/o1').set('Content-Type', FHIR_JSON).send({ resourceType: 'Organization', id: 'o1', name: 'X' });
      const type = await request(app).get('/fhir/Patient/_history');
      expect(type.body.total).toBe(2);
      const system = await request(app).get('/fhir/_history?_count=2');
      expect(system.body.total).toBe(3);
      expect(system.body.entry).toHaveLength(2);
      expect(system.body.link.find((l: { relation: string }) => l.relation === 'next')).toBeDefined();
      const since = await request(app).get(`/fhir/Patient/h1/_history?_since=${encodeURIComponent(put2.body.meta.lastUpdated)}`);
      expect(since.body.entry.map((e: { resource: { meta: { versionId: string } } }) => e.resource.meta.versionId)).toEqual(['2']);
      const at = await request(app).get(`/fhir/Patient/h1/_history?_at=${encodeURIComponent(v1Time)}`);
      expect(at.body.entry.map((e: { resource: { gender: string } }) => e.resource.gender)).toEqual(['male']);
      expect((await request(app).get('/fhir/_history?_since=yesterday')).status).toBe(400);
    } finally {
      await h.close();
    }
  });
});

describe('history statuses', () => {
  it('each entry answers the status the client got: a PUT re-creating a deleted resource is 201', async () => {
    const h = startTestServer();
    try {
      const put = (gender: string) =>
        request(h.app).put('/fhir/Patient/r1').set('Content-Type', FHIR_JSON).send({ resourceType: 'Patient', id: 'r1', gender });
      const statuses = [(await put('male')).status, (await put('female')).status];
      statuses.push((await request(h.app).delete('/fhir/Patient/r1')).status);
      statuses.push((await put('other')).status, (await put('unknown')).status);
      expect(statuses).toEqual([201, 200, 204, 201, 200]);
      const history = async (q = '') => ((await request(h.app).get(`/fhir/Patient/r1/_history${q}`)).body.entry as { response: { status: string } }[])
        .map((e) => e.response.status);
      expect(await history()).toEqual(['200', '201', '204', '200', '201']);
      // The version before the re-create is on another page: read from the store.
      expect(await history('?_count=2')).toEqual(['200', '201']);
    } finally {
      await h.close();
    }
  });
});

describe('capabilities', () => {
  it('advertises what is registered', async () => {
    const res = await request(server.app).get('/fhir/metadata');
    expect(res.status).toBe(200);
    expect(res.body.resourceType).toBe('CapabilityStatement');
    expect(res.body.fhirVersion).toBe('4.0.1');
    const patient = res.body.rest[0].resource.find((r: { type: string }) => r.type === 'Patient');
    const codes = patient.interaction.map((i: { code: string }) => i.code);
    expect(codes).toEqual(expect.arrayContaining(['read', 'vread', 'update', 'delete', 'create', 'search-type', 'history-instance', 'history-type']));
    expect(patient).toMatchObject({ versioning: 'versioned', readHistory: true, updateCreate: true, conditionalCreate: true, conditionalUpdate: true, conditionalDelete: 'single' });
    expect(patient.searchParam.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['family', 'birthdate', 'identifier', '_id', '_lastUpdated']));
    expect(res.body.rest[0].resource).toHaveLength(server.ctx.definitions.resourceTypes.length);
  });

  it('lists operations registered through the hook', async () => {
    const withOp = startTestServer({
      operations: [{ method: 'POST', pattern: ':type/$validate', handler: async () => ({ status: 200, headers: {} }) }],
    });
    try {
      const cs = (await request(withOp.app).get('/fhir/metadata')).body;
      expect(cs.rest[0].resource[0].operation).toEqual([expect.objectContaining({ name: 'validate' })]);
      expect((await request(withOp.app).post('/fhir/Patient/$validate').set('Content-Type', FHIR_JSON).send({ resourceType: 'Patient' })).status).toBe(200);
    } finally {
      await withOp.close();
    }
  });
});
