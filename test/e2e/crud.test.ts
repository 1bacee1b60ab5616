import request from 'supertest';
import { BASE_URL, startTestServer, type TestServer } from './test-server';

const FHIR_JSON = 'application/fhir+json';
let server: TestServer;
beforeAll(() => {
  server = startTestServer();
});
afterAll(() => server.close());

const patient = (extra: object = {}) => ({ resourceType: 'Patient', name: [{ family: 'Durand', given: ['Anne'] }], gender: 'female', ...extra });

describe('create, read, vread', () => {
  it('creates with a server id, ignoring a client id and client meta, and answers headers', async () => {
    const res = await request(server.app)
      .post('/fhir/Patient')
      .set('Content-Type', FHIR_JSON)
      .send(patient({ id: 'client-chosen', meta: { versionId: '99', lastUpdated: '2001-01-01T00:00:00Z' } }));
    expect(res.status).toBe(201);
    expect(res.headers['content-type']).toBe('application/fhir+json; charset=utf-8');
    const id = res.body.id as string;
    expect(id).not.toBe('client-chosen');
    expect(res.body.meta.versionId).toBe('1');
    expect(res.body.meta.lastUpdated).not.toBe('2001-01-01T00:00:00Z');
    expect(res.headers.etag).toBe('W/"1"');
    expect(res.headers.location).toBe(`${BASE_URL}/Patient/${id}/_history/1`);
    expect(new Date(res.headers['last-modified']).toUTCString()).toBe(res.headers['last-modified']);

    const read = await request(server.app).get(`/fhir/Patient/${id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(res.body);
    expect(read.headers.etag).toBe('W/"1"');
    expect(read.headers['content-location']).toBe(`${BASE_URL}/Patient/${id}/_history/1`);

    const vread = await request(server.app).get(`/fhir/Patient/${id}/_history/1`);
    expect(vread.status).toBe(200);
    expect(vread.body).toEqual(res.body);
    expect((await request(server.app).get(`/fhir/Patient/${id}/_history/2`)).status).toBe(404);
  });

  it('answers 404 for an unknown id and an unknown type', async () => {
    const res = await request(server.app).get('/fhir/Patient/nope');
    expect(res.status).toBe(404);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect((await request(server.app).get('/fhir/Unicorn/1')).status).toBe(404);
  });

  it('honours If-None-Match and If-Modified-Since with 304', async () => {
    const created = await request(server.app).post('/fhir/Patient').set('Content-Type', FHIR_JSON).send(patient());
    const url = `/fhir/Patient/${created.body.id}`;
    expect((await request(server.app).get(url).set('If-None-Match', 'W/"1"')).status).toBe(304);
    expect((await request(server.app).get(url).set('If-None-Match', '"1"')).status).toBe(304);
    expect((await request(server.app).get(url).set('If-None-Match', 'W/"2"')).status).toBe(200);
    const future = new Date(Date.now() + 60_000).toUTCString();
    expect((await request(server.app).get(url).set('If-Modified-Since', future)).status).toBe(304);
    expect((await request(server.app).get(url).set('If-Modified-Since', 'Mon, 01 Jan 2001 00:00:00 GMT')).status).toBe(200);
  });

  it('supports HEAD, _pretty, _summary and _elements', async () => {
    const created = await request(server.app)
      .post('/fhir/Patient')
      .set('Content-Type', FHIR_JSON)
      .send(patient({ text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Anne</div>' }, maritalStatus: { text: 'M' } }));
    const url = `/fhir/Patient/${created.body.id}`;
    const head = await request(server.app).head(url);
    expect(head.status).toBe(200);
    expect(head.headers.etag).toBe('W/"1"');
    const pretty = await request(server.app).get(`${url}?_pretty=true`);
    expect(pretty.text).toContain('\n  "resourceType"');
    const summary = await request(server.app).get(`${url}?_summary=true`);
    expect(summary.body.name).toBeDefined();
    expect(summary.body.maritalStatus).toBeUndefined();
    expect(summary.body.text).toBeUndefined();
    expect(summary.body.meta.tag).toContainEqual(expect.objectContaining({ code: 'SUBSETTED' }));
    const data = await request(server.app).get(`${url}?_summary=data`);
    expect(data.body.text).toBeUndefined();
    expect(data.body.maritalStatus).toBeDefined();
    const text = await request(server.app).get(`${url}?_summary=text`);
    expect(text.body.text).toBeDefined();
    expect(text.body.name).toBeUndefined();
    const elements = await request(server.app).get(`${url}?_elements=gender`);
    expect(Object.keys(elements.body).sort()).toEqual(['gender', 'id', 'meta', 'resourceType']);
    expect((await request(server.app).get(`${url}?_summary=bogus`)).status).toBe(400);
  });
});

describe('update', () => {
  it('updates with versions, and creates with a client id (update-as-create)', async () => {
    const put = await request(server.app).put('/fhir/Patient/p-1').set('Content-Type', FHIR_JSON).send(patient({ id: 'p-1' }));
    expect(put.status).toBe(201);
    expect(put.headers.location).toBe(`${BASE_URL}/Patient/p-1/_history/1`);
    const again = await request(server.app).put('/fhir/Patient/p-1').set('Content-Type', FHIR_JSON).send(patient({ id: 'p-1', gender: 'male' }));
    expect(again.status).toBe(200);
    expect(again.headers.etag).toBe('W/"2"');
    expect(again.body.gender).toBe('male');
    expect((await request(server.app).get('/fhir/Patient/p-1/_history/1')).body.gender).toBe('female');
  });

  it('checks If-Match: 412 on a stale version, success on the current one', async () => {
    await request(server.app).put('/fhir/Patient/p-2').set('Content-Type', FHIR_JSON).send(patient({ id: 'p-2' }));
    await request(server.app).put('/fhir/Patient/p-2').set('Content-Type', FHIR_JSON).send(patient({ id: 'p-2', gender: 'male' }));
    const stale = await request(server.app)
      .put('/fhir/Patient/p-2')
      .set('Content-Type', FHIR_JSON)
      .set('If-Match', 'W/"1"')
      .send(patient({ id: 'p-2', gender: 'other' }));
    expect(stale.status).toBe(412);
    expect(stale.body.resourceType).toBe('OperationOutcome');
    const current = await request(server.app).get('/fhir/Patient/p-2');
    expect(current.body.gender).toBe('male');
    expect(current.body.meta.versionId).toBe('2');
    const ok = await request(server.app)
      .put('/fhir/Patient/p-2')
      .set('Content-Type', FHIR_JSON)
      .set('If-Match', 'W/"2"')
      .send(patient({ id: 'p-2', gender: 'other' }));
    expect(ok.status).toBe(200);
    expect(ok.headers.etag).toBe('W/"3"');
  });

  it('treats If-Match: * as RFC 9110: an existing resource is updated, a missing one answers 412 and is not created', async () => {
    const put = (id: string, extra: object = {}) =>
      request(server.app).put(`/fhir/Patient/${id}`).set('Content-Type', FHIR_JSON).set('If-Match', '*').send(patient({ id, ...extra }));
    const missing = await put('star-none');
    expect(missing.status).toBe(412);
    expect(missing.body.resourceType).toBe('OperationOutcome');
    expect((await request(server.app).get('/fhir/Patient/star-none')).status).toBe(404);
    await request(server.app).put('/fhir/Patient/star-1').set('Content-Type', FHIR_JSON).send(patient({ id: 'star-1' }));
    const ok = await put('star-1', { gender: 'male' });
    expect(ok.status).toBe(200);
    expect(ok.headers.etag).toBe('W/"2"');
    expect((await request(server.app).delete('/fhir/Patient/star-none').set('If-Match', '*')).status).toBe(412);
  });

  it('refuses contained resources that share an id, on create and update (400)', async () => {
    const contained = [
      { resourceType: 'Organization', id: 'org', name: 'A' },
      { resourceType: 'Organization', id: 'org', name: 'B' },
    ];
    const created = await request(server.app).post('/fhir/Patient').set('Content-Type', FHIR_JSON).send(patient({ contained }));
    expect(created.status).toBe(400);
    expect(JSON.stringify(created.body)).toContain('Patient.contained[1].id');
    const updated = await request(server.app).put('/fhir/Patient/dup-c').set('Content-Type', FHIR_JSON).send(patient({ id: 'dup-c', contained }));
    expect(updated.status).toBe(400);
    expect((await request(server.app).get('/fhir/Patient/dup-c')).status).toBe(404);
  });

  it('honours Prefer return=minimal and return=OperationOutcome', async () => {
    const minimal = await request(server.app).post('/fhir/Patient').set('Content-Type', FHIR_JSON).set('Prefer', 'return=minimal').send(patient());
    expect(minimal.status).toBe(201);
    expect(minimal.text).toBe('');
    expect(minimal.headers.location).toMatch(/_history\/1$/);
    const outcome = await request(server.app)
      .put('/fhir/Patient/p-3')
      .set('Content-Type', FHIR_JSON)
      .set('Prefer', 'return=OperationOutcome')
      .send(patient({ id: 'p-3' }));
    expect(outcome.status).toBe(201);
    expect(outcome.body.resourceType).toBe('OperationOutcome');
    expect(outcome.body.issue[0].severity).toBe('information');
  });
});

describe('delete', () => {
  it('deletes with a version: read 410 with the deletion ETag, vread of the deletion 410, history keeps it', async () => {
    await request(server.app).put('/fhir/Patient/d-1').set('Content-Type', FHIR_JSON).send(patient({ id: 'd-1' }));
    const del = await request(server.app).delete('/fhir/Patient/d-1');
    expect(del.status).toBe(204);
    expect(del.headers.etag).toBe('W/"2"');
    const read = await request(server.app).get('/fhir/Patient/d-1');
    expect(read.status).toBe(410);
    expect(read.headers.etag).toBe('W/"2"');
    expect(read.body.issue[0].code).toBe('deleted');
    expect((await request(server.app).get('/fhir/Patient/d-1/_history/2')).status).toBe(410);
    expect((await request(server.app).get('/fhir/Patient/d-1/_history/1')).status).toBe(200);
    const history = await request(server.app).get('/fhir/Patient/d-1/_history');
    expect(history.body.type).toBe('history');
    expect(history.body.total).toBe(2);
    expect(history.body.entry[0].request.method).toBe('DELETE');
    expect(history.body.entry[0].resource).toBeUndefined();
    expect(history.body.entry[1].resource.id).toBe('d-1');
    // A later update brings it back as a new version.
    const back = await request(server.app).put('/fhir/Patient/d-1').set('Content-Type', FHIR_JSON).send(patient({ id: 'd-1' }));
    expect(back.status).toBe(201);
    expect(back.headers.etag).toBe('W/"3"');
  });

  it('deleting an unknown resource is 204 and If-Match is checked', async () => {
    expect((await request(server.app).delete('/fhir/Patient/never-was')).status).toBe(204);
    await request(server.app).put('/fhir/Patient/d-2').set('Content-Type', FHIR_JSON).send(patient({ id: 'd-2' }));
    expect((await request(server.app).delete('/fhir/Patient/d-2').set('If-Match', 'W/"7"')).status).toBe(412);
    expect((await request(server.app).get('/fhir/Patient/d-2')).status).toBe(200);
  });
});
