import { SignJWT } from 'jose';
import type { GrantHandler } from '../contracts';
import { assertion, assertionForm, basic, clientKey, createHarness, unsigned, type ClientKey, type Harness } from './token-endpoint.test-helpers';

/** A stand-in authorization_code grant (the real one lives with the authorization flow): issues whatever scope is asked. */
function fakeCodeGrant(h: () => Harness): GrantHandler {
  return {
    grantType: 'authorization_code',
    async grant(client, form) {
      const scopes = (form.get('scope') ?? 'patient/*.rs').split(' ');
      const token = await h().tokens.issuer.issueAccessToken({ clientId: client.clientId, scopes, patient: 'p1' });
      return { access_token: token.accessToken, token_type: 'Bearer', expires_in: token.expiresIn, scope: scopes.join(' '), patient: 'p1' };
    },
  };
}

describe('POST /auth/token', () => {
  let h: Harness;
  let key: ClientKey;
  let secret: string;

  beforeEach(async () => {
    h = await createHarness({ extraGrants: [fakeCodeGrant(() => h)] });
    key = await clientKey('ES384');
    await h.services.registry.add({ clientId: 'backend', name: 'Backend', type: 'confidential-asymmetric', redirectUris: [], allowedScopes: ['system/*.rs', 'system/Observation.cruds'], jwks: { keys: [key.publicJwk] } });
    secret = 'correct horse battery staple 42';
    await h.services.registry.add({ clientId: 'viewer:app', name: 'Viewer', type: 'confidential-symmetric', redirectUris: ['https://viewer.example/cb'], allowedScopes: ['user/*.rs'] }, secret);
    await h.services.registry.add({ clientId: 'spa', name: 'SPA', type: 'public', redirectUris: ['http://localhost:3000/cb'], allowedScopes: ['patient/*.rs'] });
  });

  const lastAudit = () => h.audit[h.audit.length - 1];

  async function expectRefused(res: Awaited<ReturnType<Harness['call']>>, status: number, error: string, descriptionPattern?: RegExp) {
    expect(res.status).toBe(status);
    expect(res.json.error).toBe(error);
    if (descriptionPattern) expect(String(res.json.error_description)).toMatch(descriptionPattern);
    expect(res.json.access_token).toBeUndefined();
    expect(res.headers?.['Cache-Control']).toBe('no-store');
    expect(lastAudit()).toMatchObject({ kind: 'token', event: 'token-refused', action: 'E', status });
    expect(lastAudit().outcomeDescription).toContain(error);
  }

  it('issues a backend-services token for a fresh ES384 assertion, no-store, audited', async () => {
    const res = await h.call('POST', '/auth/token', { form: assertionForm(await assertion('backend', key, h.now())) });
    expect(res.status).toBe(200);
    expect(res.headers).toMatchObject({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
    expect(res.json).toMatchObject({ token_type: 'Bearer', scope: 'system/*.rs', expires_in: 300 });
    expect(res.json.refresh_token).toBeUndefined();
    const verified = await h.tokens.verifier.verify(String(res.json.access_token));
    expect(verified).toMatchObject({ clientId: 'backend', scopes: ['system/*.rs'] });
    expect(lastAudit()).toMatchObject({ kind: 'token', event: 'token-issued', action: 'E', status: 200, clientId: 'backend', remoteAddress: '127.0.0.1' });
    expect(lastAudit().requestId).toBeTruthy();
  });

  it('accepts RS384 assertions against an inline RSA JWKS', async () => {
    const rsa = await clientKey('RS384');
    await h.services.registry.add({ clientId: 'rsa', name: 'RSA', type: 'confidential-asymmetric', redirectUris: [], allowedScopes: ['system/*.rs'], jwks: { keys: [rsa.publicJwk] } });
    const res = await h.call('POST', '/auth/token', { form: assertionForm(await assertion('rsa', rsa, h.now())) });
    expect(res.status).toBe(200);
  });

  it('authenticates a symmetric client with client_secret_basic (URL-encoded id) and a public client by client_id', async () => {
    const sym = await h.call('POST', '/auth/token', { headers: { Authorization: basic('viewer:app', secret) }, form: { grant_type: 'authorization_code', code: 'x', scope: 'user/*.rs' } });
    expect(sym.status).toBe(200);
    expect(lastAudit()).toMatchObject({ event: 'token-issued', clientId: 'viewer:app', patients: ['Patient/p1'] });
    const pub = await h.call('POST', '/auth/token', { form: { grant_type: 'authorization_code', code: 'x', client_id: 'spa' } });
    expect(pub.status).toBe(200);
    expect(lastAudit()).toMatchObject({ event: 'token-issued', clientId: 'spa' });
    const post = await h.call('POST', '/auth/token', { form: { grant_type: 'authorization_code', code: 'x', client_id: 'viewer:app', client_secret: secret } });
    expect(post.status).toBe(200);
    const wrongPost = await h.call('POST', '/auth/token', { form: { grant_type: 'authorization_code', code: 'x', client_id: 'viewer:app', client_secret: `${secret}x` } });
    await expectRefused(wrongPost, 401, 'invalid_client');
    expect(wrongPost.headers?.['WWW-Authenticate']).toBeUndefined();
    // A confidential client cannot pass itself off as public.
    await expectRefused(await h.call('POST', '/auth/token', { form: { grant_type: 'authorization_code', code: 'x', client_id: 'viewer:app' } }), 401, 'invalid_client');
  });

  it('refuses a wrong secret with 401 and a Basic challenge', async () => {
    const res = await h.call('POST', '/auth/token', { headers: { Authorization: basic('viewer:app', 'not the secret at all') }, form: { grant_type: 'authorization_code', code: 'x' } });
    await expectRefused(res, 401, 'invalid_client');
    expect(res.headers?.['WWW-Authenticate']).toMatch(/^Basic/);
    expect(lastAudit().clientId).toBe('viewer:app');
  });

  it('refuses an unknown client (Basic, assertion, client_id alike)', async () => {
    await expectRefused(await h.call('POST', '/auth/token', { headers: { Authorization: basic('nobody', secret) }, form: { grant_type: 'authorization_code' } }), 401, 'invalid_client');
    await expectRefused(await h.call('POST', '/auth/token', { form: assertionForm(await assertion('nobody', key, h.now())) }), 401, 'invalid_client', /unknown client/);
    await expectRefused(await h.call('POST', '/auth/token', { form: { grant_type: 'authorization_code', client_id: 'nobody' } }), 401, 'invalid_client');
  });

  it('refuses an assertion with alg none or HS256', async () => {
    const claims = { iss: 'backend', sub: 'backend', aud: 'https://lucarne.example/auth/token', exp: h.now() + 60, jti: 'j-none' };
    await expectRefused(await h.call('POST', '/auth/token', { form: assertionForm(unsigned(claims)) }), 401, 'invalid_client', /alg/);
    const hs = await new SignJWT({ ...claims, jti: 'j-hs' }).setProtectedHeader({ alg: 'HS256', kid: key.publicJwk.kid }).sign(new TextEncoder().encode('x'.repeat(32)));
    await expectRefused(await h.call('POST', '/auth/token', { form: assertionForm(hs) }), 401, 'invalid_client', /alg/);
  });

  it('refuses a wrong aud (the FHIR base, the issuer, a look-alike)', async () => {
    for (const aud of ['https://lucarne.example/fhir', 'https://lucarne.example/auth', 'https://lucarne.example/auth/token/', 'https://evil.example/auth/token']) {
      await expectRefused(await h.call('POST', '/auth/token', { form: assertionForm(await assertion('backend', key, h.now(), { claims: { aud } })) }), 401, 'invalid_client', /aud/);
    }
  });

  it('refuses an expired assertion, one without exp or jti, and one living over 5 minutes', async () => {
    await expectRefused(await h.call('POST', '/auth/token', { form: assertionForm(await assertion('backend', key, h.now(), { claims: { exp: h.now() - 10 } })) }), 401, 'invalid_client', /expired/);
    await expectRefused(await h.call('POST', '/auth/token', { form: assertionForm(await assertion('backend', key, h.now(), { claims: { exp: undefined } })) }), 401, 'invalid_client', /exp/);
    await expectRefused(await h.call('POST', '/auth/token', { form: assertionForm(await assertion('backend', key, h.now(), { claims: { jti: undefined } })) }), 401, 'invalid_client', /jti/);
    await expectRefused(await h.call('POST', '/auth/token', { form: assertionForm(await assertion('backend', key, h.now(), { claims: { exp: h.now() + 301 } })) }), 401, 'invalid_client', /5 minutes/);
    await expectRefused(
      await h.call('POST', '/auth/token', { form: assertionForm(await assertion('backend', key, h.now(), { claims: { iat: h.now() - 200, exp: h.now() + 200 } })) }),
      401,
      'invalid_client',
      /lifetime/,
    );
    // Exactly 5 minutes is fine.
    expect((await h.call('POST', '/auth/token', { form: assertionForm(await assertion('backend', key, h.now(), { claims: { iat: h.now(), exp: h.now() + 300 } })) })).status).toBe(200);
  });

  it('refuses a replayed jti, while a new jti passes', async () => {
    const jwt = await assertion('backend', key, h.now(), { claims: { jti: 'once' } });
    expect((await h.call('POST', '/auth/token', { form: assertionForm(jwt) })).status).toBe(200);
    h.advance(30);
    await expectRefused(await h.call('POST', '/auth/token', { form: assertionForm(jwt) }), 401, 'invalid_client', /jti already used/);
    await expectRefused(await h.call('POST', '/auth/token', { form: assertionForm(await assertion('backend', key, h.now(), { claims: { jti: 'once' } })) }), 401, 'invalid_client', /jti already used/);
    expect((await h.call('POST', '/auth/token', { form: assertionForm(await assertion('backend', key, h.now())) })).status).toBe(200);
  });

  it('refuses an unknown kid, a key the client did not register, and a mismatched iss/sub', async () => {
    const other = await clientKey('ES384');
    await expectRefused(await h.call('POST', '/auth/token', { form: assertionForm(await assertion('backend', other, h.now())) }), 401, 'invalid_client', /kid/);
    const impostor = { privateKey: other.privateKey, publicJwk: key.publicJwk };
    await expectRefused(await h.call('POST', '/auth/token', { form: assertionForm(await assertion('backend', impostor, h.now())) }), 401, 'invalid_client', /signature/);
    await expectRefused(await h.call('POST', '/auth/token', { form: assertionForm(await assertion('backend', key, h.now(), { claims: { sub: 'someone-else' } })) }), 401, 'invalid_client', /sub/);
  });

  it('refuses a public client asking for client_credentials, and a symmetric client too', async () => {
    await expectRefused(await h.call('POST', '/auth/token', { form: { grant_type: 'client_credentials', client_id: 'spa', scope: 'system/*.rs' } }), 401, 'invalid_client', /public client/);
    expect(lastAudit().clientId).toBe('spa');
    await expectRefused(await h.call('POST', '/auth/token', { headers: { Authorization: basic('viewer:app', secret) }, form: { grant_type: 'client_credentials', scope: 'system/*.rs' } }), 400, 'unauthorized_client');
  });

  it('refuses scope escalation: a system scope the client is not allowed, or a non-system scope', async () => {
    const ask = async (scope: string) => h.call('POST', '/auth/token', { form: assertionForm(await assertion('backend', key, h.now()), { scope }) });
    await expectRefused(await ask('system/Patient.c'), 400, 'invalid_scope');
    await expectRefused(await ask('system/Patient.cud'), 400, 'invalid_scope');
    await expectRefused(await ask('patient/*.rs'), 400, 'invalid_scope', /system\/ scopes only/);
    await expectRefused(await ask('system/*.rs offline_access'), 400, 'invalid_scope');
    await expectRefused(await ask(''), 400, 'invalid_scope');
    // Partly allowed: the intersection is granted.
    const partly = await ask('system/Observation.cruds system/Patient.rs system/Encounter.cud');
    expect(partly.status).toBe(200);
    expect(partly.json.scope).toBe('system/Observation.cruds system/Patient.rs');
    // A wildcard request is narrowed to what is allowed.
    expect((await ask('system/*.cud')).json.scope).toBe('system/Observation.cud');
  });

  it('refuses a body that is not a form, a missing or unknown grant_type, and repeated parameters', async () => {
    const json = await h.call('POST', '/auth/token', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grant_type: 'client_credentials' }) });
    await expectRefused(json, 400, 'invalid_request', /x-www-form-urlencoded/);
    await expectRefused(await h.call('POST', '/auth/token', { form: { client_id: 'spa' } }), 400, 'invalid_request', /grant_type/);
    await expectRefused(await h.call('POST', '/auth/token', { form: { grant_type: 'password', client_id: 'spa' } }), 400, 'unsupported_grant_type');
    const twice = await h.call('POST', '/auth/token', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&scope=a&scope=b' });
    await expectRefused(twice, 400, 'invalid_request', /more than once/);
  });

  it('refuses two authentication methods at once and a client_id that differs from the assertion', async () => {
    const jwt = await assertion('backend', key, h.now());
    await expectRefused(await h.call('POST', '/auth/token', { headers: { Authorization: basic('viewer:app', secret) }, form: assertionForm(jwt) }), 400, 'invalid_request', /one client authentication/);
    await expectRefused(await h.call('POST', '/auth/token', { form: assertionForm(jwt, { client_id: 'spa' }) }), 401, 'invalid_client', /client_id/);
  });

  it('answers 500 server_error without details when a grant handler fails unexpectedly, and audits it', async () => {
    const broken: GrantHandler = { grantType: 'urn:broken', grant: async () => { throw new Error('secret internals'); } };
    const hb = await createHarness({ extraGrants: [broken] });
    await hb.services.registry.add({ clientId: 'spa', name: 'SPA', type: 'public', redirectUris: [], allowedScopes: [] });
    const res = await hb.call('POST', '/auth/token', { form: { grant_type: 'urn:broken', client_id: 'spa' } });
    // A public client is not accepted for grants other than authorization_code/refresh_token.
    expect(res.status).toBe(401);
    const jwtKey = await clientKey();
    await hb.services.registry.add({ clientId: 'b', name: 'B', type: 'confidential-asymmetric', redirectUris: [], allowedScopes: [], jwks: { keys: [jwtKey.publicJwk] } });
    const res2 = await hb.call('POST', '/auth/token', { form: assertionForm(await assertion('b', jwtKey, hb.now()), { grant_type: 'urn:broken' }) });
    expect(res2.status).toBe(500);
    expect(JSON.stringify(res2.body)).not.toContain('secret internals');
    expect(hb.audit[hb.audit.length - 1]).toMatchObject({ event: 'token-refused', status: 500 });
  });
});
