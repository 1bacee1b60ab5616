import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { SqliteStateStore } from '../../store/state/sqlite-state-store';
import { createTokenService } from '../tokens/token-service';
import { CODE_SPACE } from './authorization-codes';
import { CONFIG, OTHER, REDIRECT, TestClock, client, createGrantHarness, oauthError, sha256, type GrantHarness } from './grants.test-helpers';

describe('authorization_code grant', () => {
  let h: GrantHarness;
  beforeEach(() => {
    h = createGrantHarness();
  });

  it('redeems a code with its PKCE verifier: access token of a new family, launch context, refresh token, id_token', async () => {
    const { code, pkce } = await h.approve();
    const response = await h.redeem({ code, redirect_uri: REDIRECT, code_verifier: pkce.verifier });
    expect(response).toMatchObject({
      token_type: 'Bearer',
      expires_in: 300,
      scope: 'launch openid fhirUser patient/ImagingStudy.rs patient/Observation.rs offline_access',
      patient: 'pat-1',
      encounter: 'enc-1',
      fhirContext: [{ reference: 'ImagingStudy/123' }],
      need_patient_banner: true,
    });
    expect(response.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const verified = await h.tokens.verifier.verify(response.access_token);
    expect(verified).toMatchObject({ clientId: 'viewer', subject: 'local:alice', fhirUser: 'Practitioner/pr-1', patient: 'pat-1', scopes: response.scope.split(' ') });
    expect(verified?.family).toMatch(/^[A-Za-z0-9_-]{22}$/);

    // A second code gets another family.
    const second = await h.approve();
    const again = await h.redeem({ code: second.code, redirect_uri: REDIRECT, code_verifier: second.pkce.verifier });
    expect((await h.tokens.verifier.verify(again.access_token))?.family).not.toBe(verified?.family);
  });

  it('stores the code under its SHA-256 only, for 60 seconds', async () => {
    const { code, approval } = await h.approve();
    expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await h.state.get(CODE_SPACE, code)).toBeUndefined();
    expect(await h.state.get(CODE_SPACE, sha256(code))).toMatchObject({ approval: { clientId: 'viewer', codeChallenge: approval.codeChallenge } });
    h.clock.advance(59);
    expect(await h.state.get(CODE_SPACE, sha256(code))).toBeDefined();
    h.clock.advance(2);
    expect(await h.state.get(CODE_SPACE, sha256(code))).toBeUndefined();
  });

  it('requires code, redirect_uri and code_verifier (invalid_request)', async () => {
    const { code, pkce } = await h.approve();
    const full = { code, redirect_uri: REDIRECT, code_verifier: pkce.verifier };
    for (const missing of ['code', 'redirect_uri', 'code_verifier'] as const) {
      const form: Record<string, string> = { ...full };
      delete form[missing];
      const error = await oauthError(h.redeem(form));
      expect({ error: error.error, status: error.status }).toEqual({ error: 'invalid_request', status: 400 });
      expect(error.description).toContain(missing);
    }
    // None of these spent the code.
    expect((await h.redeem(full)).access_token).toBeTruthy();
  });

  it('refuses a verifier whose S256 challenge differs, and does not spend the code on it', async () => {
    const { code, pkce, approval } = await h.approve();
    const wrong = `${pkce.verifier.slice(0, -1)}${pkce.verifier.endsWith('A') ? 'B' : 'A'}`;
    const error = await oauthError(h.redeem({ code, redirect_uri: REDIRECT, code_verifier: wrong }));
    expect([error.error, error.status]).toEqual(['invalid_grant', 400]);
    expect(error.description).toMatch(/code_challenge/);
    // The challenge itself is not a verifier (what `plain` would accept).
    expect((await oauthError(h.redeem({ code, redirect_uri: REDIRECT, code_verifier: approval.codeChallenge }))).error).toBe('invalid_grant');
    expect((await h.redeem({ code, redirect_uri: REDIRECT, code_verifier: pkce.verifier })).access_token).toBeTruthy();
  });

  it('refuses a verifier that is too short, too long or has characters outside the unreserved set, even when its hash matches', async () => {
    for (const verifier of ['a'.repeat(42), 'a'.repeat(129), `${'a'.repeat(42)}+`, `${'a'.repeat(42)}=`, `${'a'.repeat(42)} `]) {
      const { code } = await h.approve({}, { codeChallenge: sha256(verifier) });
      const error = await oauthError(h.redeem({ code, redirect_uri: REDIRECT, code_verifier: verifier }));
      expect(error.error).toBe('invalid_grant');
      expect(error.description).toMatch(/43 to 128/);
    }
    // The bounds themselves are fine.
    for (const verifier of ['a'.repeat(43), `${'Az09-._~'.repeat(16)}`]) {
      const { code } = await h.approve({}, { codeChallenge: sha256(verifier) });
      expect((await h.redeem({ code, redirect_uri: REDIRECT, code_verifier: verifier })).access_token).toBeTruthy();
    }
  });

  it('refuses a redirect_uri that is not exactly the one of the request: prefix, extra path, other host, case, trailing slash', async () => {
    const { code, pkce } = await h.approve();
    for (const redirect of [
      'https://viewer.example/app/',
      'https://viewer.example/app/callback/extra',
      'https://viewer.example/app/callback/',
      'https://viewer.example/app/callback?x=1',
      'https://evil.example/app/callback',
      'https://VIEWER.example/app/callback',
      'http://viewer.example/app/callback',
    ]) {
      const error = await oauthError(h.redeem({ code, redirect_uri: redirect, code_verifier: pkce.verifier }));
      expect([error.error, error.description]).toEqual(['invalid_grant', 'redirect_uri differs from the authorization request']);
    }
    expect((await h.redeem({ code, redirect_uri: REDIRECT, code_verifier: pkce.verifier })).access_token).toBeTruthy();
  });

  it("refuses another client's code, which its own client can still redeem", async () => {
    const { code, pkce } = await h.approve();
    const error = await oauthError(h.redeem({ code, redirect_uri: REDIRECT, code_verifier: pkce.verifier }, OTHER));
    expect([error.error, error.description]).toEqual(['invalid_grant', 'the code was issued to another client']);
    const response = await h.redeem({ code, redirect_uri: REDIRECT, code_verifier: pkce.verifier });
    expect((await h.tokens.verifier.verify(response.access_token))?.clientId).toBe('viewer');
  });

  it('makes the tokens the authenticated client’s, whatever client id the stored grant carries', async () => {
    const { code, pkce } = await h.approve({ clientId: 'someone-else' });
    const response = await h.redeem({ code, redirect_uri: REDIRECT, code_verifier: pkce.verifier });
    expect((await h.tokens.verifier.verify(response.access_token))?.clientId).toBe('viewer');
  });

  it('refuses an unknown code and an expired one (60 s)', async () => {
    expect((await oauthError(h.redeem({ code: 'made-up', redirect_uri: REDIRECT, code_verifier: 'a'.repeat(43) }))).error).toBe('invalid_grant');
    const { code, pkce } = await h.approve();
    h.clock.advance(61);
    const error = await oauthError(h.redeem({ code, redirect_uri: REDIRECT, code_verifier: pkce.verifier }));
    expect([error.error, error.description]).toEqual(['invalid_grant', 'the code is unknown or expired']);
  });

  it('accepts a code just before it expires', async () => {
    const { code, pkce } = await h.approve();
    h.clock.advance(59);
    expect((await h.redeem({ code, redirect_uri: REDIRECT, code_verifier: pkce.verifier })).access_token).toBeTruthy();
  });

  it('refuses a reused code and revokes what the first redemption issued: its access token and refresh token', async () => {
    const { code, pkce } = await h.approve();
    const form = { code, redirect_uri: REDIRECT, code_verifier: pkce.verifier };
    const first = await h.redeem(form);
    expect(await h.tokens.verifier.verify(first.access_token)).toBeDefined();
    h.clock.advance(5);
    const error = await oauthError(h.redeem(form));
    expect([error.error, error.status]).toEqual(['invalid_grant', 400]);
    expect(error.description).toMatch(/already used/);
    expect(await h.tokens.verifier.verify(first.access_token)).toBeUndefined();
    expect((await oauthError(h.refresh({ refresh_token: first.refresh_token! }))).error).toBe('invalid_grant');
  });

  it('gives no refresh token without offline_access or online_access, and no id_token without openid or without a user', async () => {
    const plain = await h.approve({ scopes: ['patient/ImagingStudy.rs'] });
    const response = await h.redeem({ code: plain.code, redirect_uri: REDIRECT, code_verifier: plain.pkce.verifier });
    expect(response.refresh_token).toBeUndefined();
    expect(response.id_token).toBeUndefined();
    expect(response.scope).toBe('patient/ImagingStudy.rs');

    const noUser = await h.approve({ scopes: ['openid', 'patient/ImagingStudy.rs'], subject: undefined });
    expect((await h.redeem({ code: noUser.code, redirect_uri: REDIRECT, code_verifier: noUser.pkce.verifier })).id_token).toBeUndefined();

    // online_access with no session to follow: no refresh token.
    const online = await h.approve({ scopes: ['online_access', 'patient/ImagingStudy.rs'] });
    expect((await h.redeem({ code: online.code, redirect_uri: REDIRECT, code_verifier: online.pkce.verifier })).refresh_token).toBeUndefined();
  });

  it('leaves out the launch context the grant does not have', async () => {
    const { code, pkce } = await h.approve({ patient: undefined, encounter: undefined, fhirContext: undefined, needPatientBanner: undefined, scopes: ['user/*.rs'] });
    const response = await h.redeem({ code, redirect_uri: REDIRECT, code_verifier: pkce.verifier });
    expect(Object.keys(response).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
  });

  it('issues an id_token with the nonce of the request, for the client, signed by the server', async () => {
    const { code, pkce } = await h.approve();
    const response = await h.redeem({ code, redirect_uri: REDIRECT, code_verifier: pkce.verifier });
    const claims = await h.idTokenClaims(response.id_token!, 'viewer');
    expect(claims).toMatchObject({ iss: 'https://lucarne.example/auth', sub: 'local:alice', aud: 'viewer', nonce: 'n-0S6_WzA2Mj', fhirUser: 'Practitioner/pr-1' });
    // Not an access token.
    expect(await h.tokens.verifier.verify(response.id_token!)).toBeUndefined();
  });

  it('never lets a code be redeemed twice by concurrent requests, even from two processes on one database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lucarne-grants-'));
    const clock = new TestClock();
    const a = new SqliteStateStore(dir, clock);
    const b = new SqliteStateStore(dir, clock);
    try {
      const tokens = createTokenService({ config: CONFIG, state: a, clock });
      const first = createGrantHarness({ state: a, clock, tokens });
      const second = createGrantHarness({ state: b, clock, tokens });
      for (let round = 0; round < 5; round++) {
        const { code, pkce } = await first.approve();
        const form = { code, redirect_uri: REDIRECT, code_verifier: pkce.verifier };
        const outcomes = await Promise.allSettled([first.redeem(form), second.redeem(form), first.redeem(form), second.redeem(form)]);
        const won = outcomes.filter((o) => o.status === 'fulfilled');
        const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost.map((o) => (o.reason as { error: string }).error)).toEqual(['invalid_grant', 'invalid_grant', 'invalid_grant']);
        // The losers were replays of a redeemed code: what the winner got is revoked too.
        const winner = (won[0] as PromiseFulfilledResult<{ access_token: string }>).value;
        expect(decodeJwt(winner.access_token).family).toBeDefined();
        expect(await tokens.verifier.verify(winner.access_token)).toBeUndefined();
      }
    } finally {
      await a.close();
      await b.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('redeems at one process a code issued at another', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lucarne-grants-'));
    const clock = new TestClock();
    const a = new SqliteStateStore(dir, clock);
    const b = new SqliteStateStore(dir, clock);
    try {
      const tokens = createTokenService({ config: CONFIG, state: a, clock });
      const issuing = createGrantHarness({ state: a, clock, tokens });
      const redeeming = createGrantHarness({ state: b, clock, tokens });
      const { code, pkce } = await issuing.approve();
      const response = await redeeming.redeem({ code, redirect_uri: REDIRECT, code_verifier: pkce.verifier });
      expect(await tokens.verifier.verify(response.access_token)).toMatchObject({ clientId: 'viewer' });
      expect((await issuing.refresh({ refresh_token: response.refresh_token! })).access_token).toBeTruthy();
    } finally {
      await a.close();
      await b.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('does not confuse two clients that share a redirect URI', async () => {
    const twin = client('twin');
    const { code, pkce } = await h.approve();
    expect((await oauthError(h.redeem({ code, redirect_uri: REDIRECT, code_verifier: pkce.verifier }, twin))).error).toBe('invalid_grant');
  });
});

