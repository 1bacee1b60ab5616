import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OperationOutcome } from '@medplum/fhirtypes';
import request from 'supertest';
import { createApp, type LucarneApp } from '../../src/app';
import { loadConfig } from '../../src/config/load-config';
import { createHttpApp } from '../../src/http/create-http-app';
import { P, validOrder, validPatient, validStudy } from '../profiles/profile-fixtures';

const ROOT = join(__dirname, '..', '..');
const JSON_TYPE = 'application/fhir+json';

interface Server {
  app: LucarneApp;
  http: ReturnType<typeof request>;
  dir: string;
}

async function start(env: Record<string, string> = {}): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), 'lucarne-profiles-'));
  const config = loadConfig({ env: { LUCARNE_DATA_DIR: dir, LUCARNE_HOST: '127.0.0.1', LOG_LEVEL: 'silent', LUCARNE_AUTH: 'open', ...env } });
  const app = await createApp(config, { root: ROOT, durability: 'normal' });
  return { app, http: request(createHttpApp(app.ctx, app.router)), dir };
}

async function stop(server: Server): Promise<void> {
  await server.app.close();
  rmSync(server.dir, { recursive: true, force: true });
}

const issuesOf = (body: unknown) => ((body as OperationOutcome).issue ?? []).map((i) => `${i.severity} ${i.code} ${i.expression?.[0] ?? ''}`);

describe('resources declaring a Lucarne profile (meta.profile)', () => {
  let server: Server;
  beforeAll(async () => (server = await start()));
  afterAll(() => stop(server));

  it('accepts a conforming patient', async () => {
    const res = await server.http.post('/fhir/Patient').set('Content-Type', JSON_TYPE).send(validPatient());
    expect(res.status).toBe(201);
  });

  it('answers 422 with every issue and its path', async () => {
    const p = validPatient('PROV');
    delete p.name[0].family;
    const res = await server.http.post('/fhir/Patient').set('Content-Type', JSON_TYPE).send(p);
    expect(res.status).toBe(422);
    expect(issuesOf(res.body)).toEqual([
      'error invariant Patient.identifier[0]',
      'error required Patient.name[0].family',
    ]);
  });

  it('checks updates too, and accepts an unknown profile with a warning', async () => {
    const s = validStudy();
    s.id = 'st1';
    delete s.endpoint;
    const bad = await server.http.put('/fhir/ImagingStudy/st1').set('Content-Type', JSON_TYPE).send(s);
    expect(bad.status).toBe(422);
    expect(issuesOf(bad.body)).toEqual(['error required ImagingStudy.endpoint']);
    s.endpoint = [{ reference: 'Endpoint/e1' }];
    s.meta.profile.push('https://example.org/fhir/StructureDefinition/unknown');
    const ok = await server.http.put('/fhir/ImagingStudy/st1').set('Content-Type', JSON_TYPE).send(s);
    expect(ok.status).toBe(201);
  });
});

describe('$validate?profile', () => {
  let server: Server;
  beforeAll(async () => (server = await start()));
  afterAll(() => stop(server));

  it('validates against the profile given in the query, with paths', async () => {
    const o = validOrder();
    delete o.meta;
    delete o.identifier;
    const res = await server.http.post(`/fhir/ServiceRequest/$validate?profile=${encodeURIComponent(`${P}lucarne-imaging-order`)}`).set('Content-Type', JSON_TYPE).send(o);
    expect(res.status).toBe(200);
    expect(issuesOf(res.body)).toEqual(['error invariant ServiceRequest', 'error required ServiceRequest.identifier']);
    expect((res.body as OperationOutcome).issue?.[0].diagnostics).toContain('lucarne-order-identifier');
    const plain = await server.http.post('/fhir/ServiceRequest/$validate').set('Content-Type', JSON_TYPE).send(o);
    expect(issuesOf(plain.body)).toEqual(['information informational ']);
  });

  it('takes the profile from a Parameters body', async () => {
    const res = await server.http.post('/fhir/ServiceRequest/$validate').set('Content-Type', JSON_TYPE).send({
      resourceType: 'Parameters',
      parameter: [
        { name: 'resource', resource: { ...validOrder(), meta: undefined } },
        { name: 'profile', valueCanonical: `${P}lucarne-imaging-order` },
      ],
    });
    expect(res.status).toBe(200);
    expect(issuesOf(res.body)).toEqual(['information informational ']);
  });

  it('answers 400 naming an unknown profile', async () => {
    const url = 'https://example.org/fhir/StructureDefinition/nope';
    const res = await server.http.post(`/fhir/ServiceRequest/$validate?profile=${encodeURIComponent(url)}`).set('Content-Type', JSON_TYPE).send(validOrder());
    expect(res.status).toBe(400);
    expect((res.body as OperationOutcome).issue?.[0].diagnostics).toContain(url);
  });
});

describe('requiredProfiles (LUCARNE_REQUIRED_PROFILES)', () => {
  let server: Server;
  beforeAll(async () => (server = await start({ LUCARNE_REQUIRED_PROFILES: `ServiceRequest=${P}lucarne-imaging-order` })));
  afterAll(() => stop(server));

  it('refuses a resource of a required type that does not conform, even without meta.profile', async () => {
    const o = validOrder();
    delete o.meta;
    delete o.requester;
    o.intent = 'proposal';
    const res = await server.http.post('/fhir/ServiceRequest').set('Content-Type', JSON_TYPE).send(o);
    expect(res.status).toBe(422);
    expect(issuesOf(res.body)).toEqual(['error invariant ServiceRequest.intent', 'error required ServiceRequest.requester']);
    const put = await server.http.put('/fhir/ServiceRequest/o1').set('Content-Type', JSON_TYPE).send({ ...o, id: 'o1' });
    expect(put.status).toBe(422);
  });

  it('accepts conforming resources and leaves other types alone', async () => {
    const o = validOrder();
    delete o.meta;
    expect((await server.http.post('/fhir/ServiceRequest').set('Content-Type', JSON_TYPE).send(o)).status).toBe(201);
    const s = validStudy();
    delete s.meta;
    delete s.endpoint;
    expect((await server.http.post('/fhir/ImagingStudy').set('Content-Type', JSON_TYPE).send(s)).status).toBe(201);
  });
});
