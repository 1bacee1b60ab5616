/** The grants behind the real token and revocation endpoints, as the authorization server composes them. */
import { randomUUID } from 'node:crypto';
import type { AuditRecord } from '../../kernel/audit-sink';
import type { WebRequest } from '../../kernel/web-route';
import { MemoryStateStore } from '../../store/state/memory-state-store';
import { createClientServices } from '../clients/client-services';
import { basic } from '../token-endpoint/token-endpoint.test-helpers';
import { CONFIG, REDIRECT, TestClock, createGrantHarness, pkce } from './grants.test-helpers';

async function setUp() {
  const clock = new TestClock();
  const state = new MemoryStateStore(clock);
  const h = createGrantHarness({ state, clock });
  const audit: AuditRecord[] = [];
  const services = createClientServices({ config: CONFIG, state, clock, audit: { record: async (r) => void audit.push(r) }, ...h.tokens });
  const routes = services.routes([services.grants.clientCredentials, h.grants.authorizationCode, h.grants.refreshToken], { revokeRefreshToken: h.grants.revokeRefreshToken });
  const secret = 'a long enough secret for the viewer app';
  await services.registry.add({ clientId: 'viewer', name: 'Viewer', type: 'confidential-symmetric', redirectUris: [REDIRECT], allowedScopes: ['patient/*.rs', 'openid', 'fhirUser', 'offline_access'] }, secret);
  await services.registry.add({ clientId: 'spa', name: 'SPA', type: 'public', redirectUris: [REDIRECT], allowedScopes: ['patient/*.rs', 'offline_access'] });

  async function post(path: string, form: Record<string, string>, headers: Record<string, string> = {}) {
    const route = routes.find((r) => r.method === 'POST' && r.path === path)!;
    const request: WebRequest = {
      method: 'POST',
      path,
      query: new URLSearchParams(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form).toString(),
      requestId: randomUUID(),
      remoteAddress: '127.0.0.1',
    };
    const response = await route.handle(request);
    return { status: response.status, headers: response.headers ?? {}, json: response.body as Record<string, unknown> };
  }
  return { h, audit, post, auth: { authorization: basic('viewer', secret) } };
}

describe('the user grants at /auth/token and /auth/revoke', () => {
  it('redeems a code, refreshes, refuses a reused refresh token with a 400 invalid_grant, all audited', async () => {
    const { h, audit, post, auth } = await setUp();
    const { code, pkce: pair } = await h.approve();
    const issued = await post('/auth/token', { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: pair.verifier }, auth);
    expect(issued.status).toBe(200);
    expect(issued.headers['Cache-Control']).toBe('no-store');
    expect(issued.json).toMatchObject({ token_type: 'Bearer', patient: 'pat-1', refresh_token: expect.any(String), id_token: expect.any(String) });
    expect(audit[audit.length - 1]).toMatchObject({ event: 'token-issued', clientId: 'viewer', patients: ['Patient/pat-1'] });

    const refreshed = await post('/auth/token', { grant_type: 'refresh_token', refresh_token: String(issued.json.refresh_token) }, auth);
    expect(refreshed.status).toBe(200);
    const reused = await post('/auth/token', { grant_type: 'refresh_token', refresh_token: String(issued.json.refresh_token) }, auth);
    expect(reused).toMatchObject({ status: 400, json: { error: 'invalid_grant' } });
    expect(Object.keys(reused.json).sort()).toEqual(['error', 'error_description']);
    expect(audit[audit.length - 1]).toMatchObject({ event: 'token-refused', status: 400 });
    expect(await h.tokens.verifier.verify(String(refreshed.json.access_token))).toBeUndefined();
  });

  it('lets a public client redeem its code by client_id, PKCE being its proof', async () => {
    const { h, post } = await setUp();
    const { code, pkce: pair } = await h.approve({ clientId: 'spa', scopes: ['patient/*.rs'] }, { clientId: 'spa' });
    const wrong = await post('/auth/token', { grant_type: 'authorization_code', client_id: 'spa', code, redirect_uri: REDIRECT, code_verifier: pkce().verifier });
    expect(wrong).toMatchObject({ status: 400, json: { error: 'invalid_grant' } });
    const right = await post('/auth/token', { grant_type: 'authorization_code', client_id: 'spa', code, redirect_uri: REDIRECT, code_verifier: pair.verifier });
    expect(right).toMatchObject({ status: 200, json: { scope: 'patient/*.rs' } });
  });

  it('revokes a refresh token at /auth/revoke (RFC 7009), with or without the hint', async () => {
    const { h, post, auth } = await setUp();
    for (const hint of [{ token_type_hint: 'refresh_token' }, {}] as Record<string, string>[]) {
      const { code, pkce: pair } = await h.approve();
      const issued = await post('/auth/token', { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: pair.verifier }, auth);
      const revoked = await post('/auth/revoke', { token: String(issued.json.refresh_token), ...hint }, auth);
      expect(revoked.status).toBe(200);
      expect(await h.tokens.verifier.verify(String(issued.json.access_token))).toBeUndefined();
      const refused = await post('/auth/token', { grant_type: 'refresh_token', refresh_token: String(issued.json.refresh_token) }, auth);
      expect(refused).toMatchObject({ status: 400, json: { error: 'invalid_grant' } });
    }
  });

  it("does not let a client revoke another client's refresh token (and answers 200 all the same)", async () => {
    const { h, post, auth } = await setUp();
    const { code, pkce: pair } = await h.approve();
    const issued = await post('/auth/token', { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: pair.verifier }, auth);
    const attempt = await post('/auth/revoke', { client_id: 'spa', token: String(issued.json.refresh_token), token_type_hint: 'refresh_token' });
    expect(attempt.status).toBe(200);
    expect(await h.tokens.verifier.verify(String(issued.json.access_token))).toBeDefined();
    expect((await post('/auth/token', { grant_type: 'refresh_token', refresh_token: String(issued.json.refresh_token) }, auth)).status).toBe(200);
  });
});
