import { gzipSync, deflateSync } from 'node:zlib';
import request from 'supertest';
import { startTestServer, type TestServer } from './test-server';

const FHIR_JSON = 'application/fhir+json';
const LIMIT = 64 * 1024;
let server: TestServer;

beforeAll(() => {
  server = startTestServer({ config: { maxBodyBytes: LIMIT } });
});
afterAll(() => server.close());

const post = (body: string | Buffer, headers: Record<string, string> = {}) => {
  const req = request(server.app).post('/fhir/Patient').set('Content-Type', FHIR_JSON);
  for (const [name, value] of Object.entries(headers)) req.set(name, value);
  // superagent would JSON-encode a Buffer sent as JSON; the bytes must go as they are.
  if (Buffer.isBuffer(body)) req.serialize((b: unknown) => b as string);
  return req.send(body);
};

async function patientCount(): Promise<number> {
  const res = await request(server.app).get('/fhir/Patient?_summary=count');
  return res.body.total as number;
}

describe('request bodies are read strictly', () => {
  it('refuses duplicate keys with 400 instead of keeping the last', async () => {
    const res = await request(server.app).post('/fhir/Observation').set('Content-Type', FHIR_JSON)
      .send('{"resourceType":"Observation","resourceType":"Patient","status":"final","code":{"text":"x"}}');
    expect(res.status).toBe(400);
    expect(res.body.issue[0].diagnostics).toMatch(/Duplicate JSON key 'resourceType'/);
    expect((await post('{"resourceType":"Patient","name":[{"family":"A","family":"B"}]}')).status).toBe(400);
  });

  it('refuses bytes that are not UTF-8 and lone surrogate escapes with 400, without echoing them', async () => {
    const bad = Buffer.concat([Buffer.from('{"resourceType":"Patient","name":[{"family":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}]}')]);
    const res = await post(bad);
    expect(res.status).toBe(400);
    expect(res.body.issue[0].diagnostics).toBe('The body is not valid UTF-8');
    expect((await post('{"resourceType":"Patient","name":[{"family":"\\ud800"}]}')).status).toBe(400);
    expect((await post('{"resourceType":"Patient","name":[{"family":"\\udfff\\ud800"}]}')).status).toBe(400);
    expect((await post('{"resourceType":"Patient","name":[{"family":"\\ud83d\\ude00 Ã©"}]}')).status).toBe(201);
  });

  it('refuses a charset other than UTF-8 with 415, accepts UTF-8 however spelled', async () => {
    const body = '{"resourceType":"Patient"}';
    expect((await post(body, { 'Content-Type': 'application/fhir+json; charset=latin1' })).status).toBe(415);
    expect((await post(body, { 'Content-Type': 'application/fhir+json; charset=ISO-8859-1' })).status).toBe(415);
    expect((await post(body, { 'Content-Type': 'application/fhir+json; charset="UTF-8"' })).status).toBe(201);
    expect((await post(body, { 'Content-Type': 'application/fhir+json;charset=utf8' })).status).toBe(201);
  });

  it('decodes gzip and deflate bodies, refuses other encodings with 415 without echoing the bytes', async () => {
    const body = JSON.stringify({ resourceType: 'Patient', gender: 'female' });
    expect((await post(gzipSync(body), { 'Content-Encoding': 'gzip' })).status).toBe(201);
    expect((await post(deflateSync(body), { 'Content-Encoding': 'deflate' })).status).toBe(201);
    const res = await post(gzipSync(body), { 'Content-Encoding': 'compress' });
    expect(res.status).toBe(415);
    expect(res.text).not.toContain('\u001f');
    const corrupt = await post(Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7]), { 'Content-Encoding': 'gzip' });
    expect(corrupt.status).toBe(400);
    expect(corrupt.text).not.toContain('\u008b');
  });

  it('refuses a decompression bomb with 413 once the decoded body passes the limit', async () => {
    const before = await patientCount();
    const bomb = gzipSync(`{"resourceType":"Patient","text":{"status":"generated","div":"${' '.repeat(50 * 1024 * 1024)}"}}`);
    expect(bomb.length).toBeLessThan(LIMIT);
    const res = await post(bomb, { 'Content-Encoding': 'gzip' });
    expect(res.status).toBe(413);
    expect(await patientCount()).toBe(before);
  });
});
