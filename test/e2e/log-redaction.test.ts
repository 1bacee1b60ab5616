import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import request from 'supertest';
import { createApp, type LucarneApp } from '../../src/app';
import { loadConfig } from '../../src/config/load-config';
import { createHttpApp } from '../../src/http/create-http-app';
import { createLogger } from '../../src/kernel/logger';

/** Identifiers never reach the logs: a server's log lines after INS writes and searches do not hold the INS. */
const INS = '248039263001064';
const NIR = 'urn:oid:1.2.250.1.213.1.4.8';
const FHIR_JSON = 'application/fhir+json';

let dataDir: string;
let app: LucarneApp;
let http: ReturnType<typeof request.agent>;
const chunks: string[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'lucarne-logs-'));
  const logger = createLogger({
    level: 'debug',
    destination: new Writable({ write(chunk, _enc, cb) { chunks.push(String(chunk)); cb(); } }),
  });
  const config = loadConfig({ env: { LUCARNE_DATA_DIR: dataDir, LUCARNE_BASE_URL: 'http://127.0.0.1/fhir', LOG_LEVEL: 'info', LUCARNE_AUTH: 'open' } });
  app = await createApp(config, { logger, durability: 'normal' });
  http = request.agent(createHttpApp(app.ctx, app.router));
});
afterAll(async () => {
  await app.close();
  rmSync(dataDir, { recursive: true, force: true });
});

it('logs requests with the INS, IPP and names redacted, through creates, searches and failing writes', async () => {
  const patient = {
    resourceType: 'Patient',
    identifier: [{ system: NIR, value: INS }, { system: 'urn:oid:1.2.250.1.71.4.2.7', value: 'IPP-77123' }],
    name: [{ family: 'Quintavalle', given: ['Josette'] }],
  };
  const post = (body: object) => http.post('/fhir/Patient').set('Content-Type', FHIR_JSON).send(JSON.stringify(body));
  expect((await post(patient)).status).toBe(201);
  expect((await http.get(`/fhir/Patient?identifier=${NIR}|${INS}`)).body.entry).toHaveLength(1);
  expect((await http.get(`/fhir/Patient?identifier=${encodeURIComponent(`${NIR}|${INS}`)}&family=Quintavalle`)).status).toBe(200);
  expect((await http.get('/fhir/Patient?identifier=IPP-77123&given=Josette')).status).toBe(200);
  expect((await http.get(`/fhir/ImagingStudy?patient.identifier=${NIR}|${INS}`)).status).toBe(200);
  expect((await post(patient)).status).toBe(409);
  expect((await post({ ...patient, identifier: [{ system: NIR, value: `${INS.slice(0, 13)}65` }] })).status).toBe(422);
  const conditional = await http.put(`/fhir/Patient?identifier=${NIR}|${INS}`).set('Content-Type', FHIR_JSON).send(JSON.stringify(patient));
  expect(conditional.status).toBe(200);
  const batch = await http.post('/fhir').set('Content-Type', FHIR_JSON).send(JSON.stringify({
    resourceType: 'Bundle', type: 'batch',
    entry: [{ resource: patient, request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=${NIR}|${INS}` } },
      { request: { method: 'GET', url: `Patient?identifier=${NIR}|${INS}` } }],
  }));
  expect(batch.status).toBe(200);

  const logs = chunks.join('');
  const lines = logs.trim().split('\n').map((l) => JSON.parse(l) as { msg?: string; url?: string });
  expect(lines.filter((l) => l.msg === 'request').length).toBeGreaterThanOrEqual(9);
  for (const secret of [INS, 'IPP-77123', 'Quintavalle', 'Josette']) expect(logs).not.toContain(secret);
  expect(lines.map((l) => l.url)).toContain(`/fhir/Patient?identifier=${NIR}|[redacted]`);
});
