import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CapabilityStatement } from '@medplum/fhirtypes';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import request from 'supertest';
import { createApp, type LucarneApp } from '../../src/app';
import { loadConfig } from '../../src/config/load-config';
import { callersFrom } from '../../src/http/caller-of';
import { createHttpApp } from '../../src/http/create-http-app';

/**
 * The server as it starts by default (LUCARNE_AUTH=smart): nothing but discovery and the CapabilityStatement
 * without a token; a backend service registered with its public key (made by jose) gets a token with a
 * private_key_jwt assertion and reads with it; bad tokens are refused with WWW-Authenticate.
 */

const BASE = 'http://127.0.0.1/fhir';
const TOKEN_URL = 'http://127.0.0.1/auth/token';
const JSON_TYPE = 'application/fhir+json';

describe('SMART backend services against the default server', () => {
  let app: LucarneApp;
  let http: ReturnType<typeof request>;
  let dir: string;
  let privateKey: CryptoKey;

  const assertion = (claims: Record<string, unknown> = {}) =>
    new SignJWT({ iss: 'dashboard', sub: 'dashboard', aud: TOKEN_URL, jti: randomUUID(), exp: Math.floor(Date.now() / 1000) + 120, ...claims })
      .setProtectedHeader({ alg: 'ES384', kid: 'k1' })
      .sign(privateKey);
  const token = async (scope: string) =>
    http.post('/auth/token').type('form').send({
      grant_type: 'client_credentials',
      scope,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: await assertion(),
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lucarne-smart-'));
    const config = loadConfig({ env: { LUCARNE_DATA_DIR: dir, LUCARNE_BASE_URL: BASE, LUCARNE_WRITER_THREAD: 'false', LOG_LEVEL: 'silent' } });
    app = await createApp(config, { root: join(__dirname, '..', '..'), durability: 'normal' });
    http = request(createHttpApp(app.ctx, app.router, { webRoutes: app.webRoutes, callerOf: callersFrom(app.callerOf) }));
    const keys = (await generateKeyPair('ES384', { extractable: true })) as { privateKey: CryptoKey; publicKey: CryptoKey };
    privateKey = keys.privateKey;
    const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'ES384', use: 'sig' };
    await app.auth!.clients.registry.add({
      clientId: 'dashboard', name: 'Regional dashboard', type: 'confidential-asymmetric', redirectUris: [], allowedScopes: ['system/Patient.cruds', 'system/Observation.rs', 'system/AuditEvent.rs'], jwks: { keys: [jwk] },
    });
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is closed by default: 401 with a Bearer challenge, while discovery and the CapabilityStatement stay public', async () => {
    expect(app.ctx.access.open).toBe(false);
    for (const path of ['/fhir/Patient/x', '/fhir/Patient', '/fhir/Patient?name=a']) {
      const res = await http.get(path).set('Accept-Encoding', '');
      expect([path, res.status, res.headers['www-authenticate']]).toEqual([path, 401, 'Bearer']);
    }
    const discovery = await http.get('/fhir/.well-known/smart-configuration');
    expect(discovery.status).toBe(200);
    expect(discovery.body.token_endpoint).toBe(TOKEN_URL);
    expect(discovery.body.code_challenge_methods_supported).toEqual(['S256']);
    const metadata = await http.get('/fhir/metadata');
    expect(metadata.status).toBe(200);
    const security = (metadata.body as CapabilityStatement).rest?.[0].security;
    expect(security?.service?.[0].coding?.[0].code).toBe('SMART-on-FHIR');
    expect(security?.extension?.[0].url).toBe('http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris');
    expect((await http.get('/auth/jwks')).body.keys.length).toBeGreaterThan(0);
  });

  it('issues a backend-services token that reads and writes within its scopes, and not beyond', async () => {
    const issued = await token('system/Patient.cruds system/Observation.rs');
    expect(issued.status).toBe(200);
    expect(issued.body.token_type).toBe('Bearer');
    expect(issued.body.scope.split(' ').sort()).toEqual(['system/Observation.rs', 'system/Patient.cruds']);
    const auth = `Bearer ${issued.body.access_token}`;
    const created = await http.put('/fhir/Patient/p1').set('Authorization', auth).set('Content-Type', JSON_TYPE).send({ resourceType: 'Patient', id: 'p1', name: [{ family: 'Martin' }] });
    expect(created.status).toBe(201);
    expect((await http.get('/fhir/Patient/p1').set('Authorization', auth).set('Accept-Encoding', '')).status).toBe(200);
    expect((await http.get('/fhir/Patient?family=martin').set('Authorization', auth).set('Accept-Encoding', '')).body.total ?? 1).toBe(1);
    const observation = { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/p1' } };
    expect((await http.post('/fhir/Observation').set('Authorization', auth).set('Content-Type', JSON_TYPE).send(observation)).status).toBe(403);
    expect((await token('system/Encounter.rs')).body.error).toBe('invalid_scope');
  });

  it('refuses a tampered, foreign or revoked token with 401 invalid_token, on the fast path too', async () => {
    const issued = await token('system/Patient.cruds');
    const good = issued.body.access_token as string;
    const [h, p, s] = good.split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), scope: 'system/*.cruds' })).toString('base64url')}.${s}`;
    const foreignKey = (await generateKeyPair('ES256')).privateKey;
    const foreign = await new SignJWT({ scope: 'system/*.cruds', client_id: 'x' }).setProtectedHeader({ alg: 'ES256', kid: 'nope' }).setIssuer('http://127.0.0.1/auth').setAudience(BASE).setExpirationTime('5m').sign(foreignKey);
    for (const bad of [tampered, foreign, 'not-a-jwt']) {
      const res = await http.get('/fhir/Patient/p1').set('Authorization', `Bearer ${bad}`).set('Accept-Encoding', '');
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
    }
    expect((await http.get('/fhir/Patient/p1').set('Authorization', `Bearer ${good}`).set('Accept-Encoding', '')).status).toBe(200);
    const revoked = await http.post('/auth/revoke').type('form').send({
      token: good, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: await assertion(),
    });
    expect(revoked.status).toBe(200);
    const introspected = await http.post('/auth/introspect').type('form').send({
      token: good, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: await assertion(),
    });
    expect(introspected.body).toEqual({ active: false });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await http.get('/fhir/Patient/p1').set('Authorization', `Bearer ${good}`).set('Accept-Encoding', '')).status).toBe(401);
  });

  it('records every access, refused ones included, as chained AuditEvents that verify and cannot be changed', async () => {
    const auth = `Bearer ${(await token('system/Patient.cruds system/AuditEvent.rs')).body.access_token}`;
    expect((await http.get('/fhir/Patient/p1').set('Authorization', auth).set('Accept-Encoding', '').set('X-Request-Id', 'audited-read')).status).toBe(200);
    expect((await http.get('/fhir/Patient/p1').set('X-Request-Id', 'audited-refusal')).status).toBe(401);
    let events: { resource: { id: string; outcome?: string; agent?: { who?: { identifier?: { value?: string } } }[] } }[] = [];
    for (let i = 0; i < 50 && events.length < 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      events = (await http.get('/fhir/AuditEvent?entity=Patient/p1&_count=100').set('Authorization', auth)).body.entry ?? [];
    }
    expect(events.length).toBeGreaterThanOrEqual(2);
    const outcomes = events.map((e) => e.resource.outcome);
    expect(outcomes).toContain('0');
    expect(outcomes.some((o) => o !== '0')).toBe(true);
    const verified = await http.get('/fhir/AuditEvent/$verify-chain').set('Authorization', auth);
    expect(verified.status).toBe(200);
    expect(verified.body.parameter.find((p: { name: string }) => p.name === 'result').valueBoolean).toBe(true);
    const all = `Bearer ${(await token('system/Patient.cruds system/AuditEvent.rs')).body.access_token}`;
    expect((await http.delete(`/fhir/AuditEvent/${events[0].resource.id}`).set('Authorization', all)).status).toBeGreaterThanOrEqual(403);
  });

  it('gives page links that work only for the token that made them', async () => {
    const first = `Bearer ${(await token('system/Patient.cruds')).body.access_token}`;
    const second = `Bearer ${(await token('system/Patient.cruds')).body.access_token}`;
    await http.put('/fhir/Patient/p2').set('Authorization', first).set('Content-Type', JSON_TYPE).send({ resourceType: 'Patient', id: 'p2', name: [{ family: 'Martin' }] });
    const page = await http.get('/fhir/Patient?family=martin&_count=1&_sort=_id').set('Authorization', first);
    const next = (page.body.link as { relation: string; url: string }[]).find((l) => l.relation === 'next')!.url.replace('http://127.0.0.1', '');
    expect((await http.get(next).set('Authorization', first)).status).toBe(200);
    const stolen = await http.get(next).set('Authorization', second);
    expect(stolen.status).toBe(400);
  });

  it('refuses a replayed assertion', async () => {
    const jwt = await assertion();
    const form = { grant_type: 'client_credentials', scope: 'system/Patient.rs', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: jwt };
    expect((await http.post('/auth/token').type('form').send(form)).status).toBe(200);
    const replay = await http.post('/auth/token').type('form').send(form);
    expect([replay.status, replay.body.error]).toEqual([401, 'invalid_client']);
  });
});
