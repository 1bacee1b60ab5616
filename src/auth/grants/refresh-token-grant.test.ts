import { decodeJwt } from 'jose';
import type { TokenGrant, TokenResponse } from '../contracts';
import { OTHER, REDIRECT, VIEWER, createGrantHarness, oauthError, sha256, type GrantHarness } from './grants.test-helpers';
import { REFRESH_TOKEN_SPACE } from './refresh-tokens';

const DAY = 86_400;

describe('refresh_token grant', () => {
  let h: GrantHarness;
  beforeEach(() => {
    h = createGrantHarness();
  });

  async function signIn(grant: Partial<Omit<TokenGrant, 'family'>> = {}, sessionId?: string): Promise<TokenResponse> {
    const { code, pkce } = await h.approve(grant, sessionId === undefined ? {} : { sessionId });
    return h.redeem({ code, redirect_uri: REDIRECT, code_verifier: pkce.verifier });
  }
  const familyOf = (response: TokenResponse) => decodeJwt(response.access_token).family;

  it('rotates: a new access token and a new refresh token of the same family, the context again', async () => {
    const first = await signIn();
    h.clock.advance(600);
    const second = await h.refresh({ refresh_token: first.refresh_token! });
    expect(second).toMatchObject({ token_type: 'Bearer', expires_in: 300, scope: first.scope, patient: 'pat-1', encounter: 'enc-1', fhirContext: [{ reference: 'ImagingStudy/123' }], need_patient_banner: true });
    expect(second.refresh_token).toBeDefined();
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.access_token).not.toBe(first.access_token);
    expect(familyOf(second)).toBe(familyOf(first));
    expect(await h.tokens.verifier.verify(second.access_token)).toMatchObject({ clientId: 'viewer', subject: 'local:alice', patient: 'pat-1' });
    // And the new one rotates again.
    const third = await h.refresh({ refresh_token: second.refresh_token! });
    expect(familyOf(third)).toBe(familyOf(first));
  });

  it('stores refresh tokens under their SHA-256 only', async () => {
    const { refresh_token: token } = await signIn();
    expect(await h.state.get(REFRESH_TOKEN_SPACE, token!)).toBeUndefined();
    expect(await h.state.get(REFRESH_TOKEN_SPACE, sha256(token!))).toMatchObject({ clientId: 'viewer', family: familyOf(await h.refresh({ refresh_token: token! })) });
  });

  it('takes a second use of one refresh token for a theft: refused, and the whole family is revoked', async () => {
    const first = await signIn();
    const second = await h.refresh({ refresh_token: first.refresh_token! });
    expect(await h.tokens.verifier.verify(second.access_token)).toBeDefined();
    const error = await oauthError(h.refresh({ refresh_token: first.refresh_token! }));
    expect([error.error, error.status]).toEqual(['invalid_grant', 400]);
    expect(error.description).toMatch(/already used/);
    expect(await h.tokens.verifier.verify(first.access_token)).toBeUndefined();
    expect(await h.tokens.verifier.verify(second.access_token)).toBeUndefined();
    expect((await oauthError(h.refresh({ refresh_token: second.refresh_token! }))).description).toBe('the refresh token is revoked');
  });

  it('leaves other families alone when one is revoked', async () => {
    const mine = await signIn();
    const other = await signIn();
    await h.refresh({ refresh_token: mine.refresh_token! });
    await oauthError(h.refresh({ refresh_token: mine.refresh_token! }));
    expect(await h.tokens.verifier.verify(other.access_token)).toBeDefined();
    expect((await h.refresh({ refresh_token: other.refresh_token! })).access_token).toBeTruthy();
  });

  it('refuses scope escalation (invalid_scope), without spending the token', async () => {
    const first = await signIn({ scopes: ['patient/Observation.rs', 'offline_access'] });
    for (const scope of ['patient/Observation.rs patient/Patient.rs', 'patient/*.rs', 'patient/Observation.cruds', 'user/Observation.rs', 'patient/Observation.rs openid', ' ']) {
      const error = await oauthError(h.refresh({ refresh_token: first.refresh_token!, scope }));
      expect([error.error, error.status]).toEqual(['invalid_scope', 400]);
    }
    const after = await h.refresh({ refresh_token: first.refresh_token! });
    expect(after.scope).toBe('patient/Observation.rs offline_access');
  });

  it('narrows the access token to a subset of the grant, while the refresh token keeps the whole grant', async () => {
    const first = await signIn();
    const narrow = await h.refresh({ refresh_token: first.refresh_token!, scope: 'patient/Observation.rs  patient/Observation.rs' });
    expect(narrow.scope).toBe('patient/Observation.rs');
    expect((await h.tokens.verifier.verify(narrow.access_token))?.scopes).toEqual(['patient/Observation.rs']);
    expect(narrow.id_token).toBeUndefined();
    const full = await h.refresh({ refresh_token: narrow.refresh_token! });
    expect(full.scope).toBe(first.scope);
  });

  it('issues an id_token again when openid is granted, without the nonce of the sign-in (OpenID Connect Core §12.2)', async () => {
    const first = await signIn();
    const second = await h.refresh({ refresh_token: first.refresh_token! });
    const claims = await h.idTokenClaims(second.id_token!, 'viewer');
    expect(claims).toMatchObject({ sub: 'local:alice', aud: 'viewer', fhirUser: 'Practitioner/pr-1' });
    expect(claims.nonce).toBeUndefined();
  });

  it('requires refresh_token, refuses an unknown one', async () => {
    expect((await oauthError(h.refresh({}))).error).toBe('invalid_request');
    const error = await oauthError(h.refresh({ refresh_token: 'not-a-token' }));
    expect([error.error, error.description]).toEqual(['invalid_grant', 'the refresh token is unknown or expired']);
  });

  it("refuses another client's refresh token, which its own client can still use", async () => {
    const first = await signIn();
    const error = await oauthError(h.refresh({ refresh_token: first.refresh_token! }, OTHER));
    expect([error.error, error.description]).toEqual(['invalid_grant', 'the refresh token was issued to another client']);
    expect((await h.refresh({ refresh_token: first.refresh_token! }, VIEWER)).access_token).toBeTruthy();
  });

  it('lets offline_access live refreshTokenDays, sliding on each rotation', async () => {
    const first = await signIn();
    h.clock.advance(20 * DAY);
    const second = await h.refresh({ refresh_token: first.refresh_token! });
    h.clock.advance(29 * DAY);
    const third = await h.refresh({ refresh_token: second.refresh_token! });
    h.clock.advance(30 * DAY + 1);
    expect((await oauthError(h.refresh({ refresh_token: third.refresh_token! }))).description).toBe('the refresh token is unknown or expired');
  });

  it('ends online_access refresh tokens with their sign-in session', async () => {
    h.sessions.add('session-1');
    const first = await signIn({ scopes: ['online_access', 'patient/ImagingStudy.rs'] }, 'session-1');
    expect(first.refresh_token).toBeDefined();
    const second = await h.refresh({ refresh_token: first.refresh_token! });
    h.sessions.delete('session-1');
    const error = await oauthError(h.refresh({ refresh_token: second.refresh_token! }));
    expect([error.error, error.description]).toEqual(['invalid_grant', 'the sign-in session of this online_access refresh token has ended']);
    // Refused, not spent: should the session come back (it cannot, but the check is the session's), the token works.
    h.sessions.add('session-1');
    expect((await h.refresh({ refresh_token: second.refresh_token! })).access_token).toBeTruthy();
  });

  it('never lets online_access outlive refreshTokenDays from the sign-in, however often it rotates', async () => {
    h.sessions.add('session-2');
    let response = await signIn({ scopes: ['online_access', 'patient/ImagingStudy.rs'] }, 'session-2');
    for (let week = 0; week < 4; week++) {
      h.clock.advance(7 * DAY);
      response = await h.refresh({ refresh_token: response.refresh_token! });
    }
    // 28 days have passed; the family ends at day 30.
    h.clock.advance(2 * DAY + 1);
    expect((await oauthError(h.refresh({ refresh_token: response.refresh_token! }))).error).toBe('invalid_grant');
  });

  it('does not ask the session of an offline_access token', async () => {
    const first = await signIn({ scopes: ['offline_access', 'online_access', 'patient/ImagingStudy.rs'] }, 'gone');
    expect((await h.refresh({ refresh_token: first.refresh_token! })).access_token).toBeTruthy();
  });

  it('lets exactly one of two concurrent uses of one refresh token through, and then revokes the family', async () => {
    const first = await signIn();
    const outcomes = await Promise.allSettled([h.refresh({ refresh_token: first.refresh_token! }), h.refresh({ refresh_token: first.refresh_token! })]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const winner = (outcomes.find((o) => o.status === 'fulfilled') as PromiseFulfilledResult<TokenResponse>).value;
    expect(await h.tokens.verifier.verify(winner.access_token)).toBeUndefined();
  });
});

describe('revokeRefreshToken', () => {
  it("revokes the family of the client's own refresh token: the refresh token and its access tokens", async () => {
    const h = createGrantHarness();
    const { code, pkce } = await h.approve();
    const response = await h.redeem({ code, redirect_uri: REDIRECT, code_verifier: pkce.verifier });
    expect(await h.grants.revokeRefreshToken(response.refresh_token!, OTHER)).toBe(false);
    expect(await h.grants.revokeRefreshToken('unknown', VIEWER)).toBe(false);
    // Neither revoked anything.
    expect(await h.tokens.verifier.verify(response.access_token)).toBeDefined();
    expect(await h.grants.revokeRefreshToken(response.refresh_token!, VIEWER)).toBe(true);
    expect(await h.tokens.verifier.verify(response.access_token)).toBeUndefined();
    expect((await oauthError(h.refresh({ refresh_token: response.refresh_token! }))).error).toBe('invalid_grant');
    expect(await h.grants.revokeRefreshToken(response.access_token, VIEWER)).toBe(false);
  });
});
