import { createHmac } from 'node:crypto';
import { base64url, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { Clock } from '../../kernel/clock';
import { MemoryStateStore } from '../../store/state/memory-state-store';
import type { TokenGrant } from '../contracts';
import { createTokenService } from './token-service';

class FakeClock implements Clock {
  constructor(public ms = Date.parse('2026-03-01T10:00:00Z')) {}
  now() {
    return new Date(this.ms);
  }
  advance(seconds: number) {
    this.ms += seconds * 1000;
  }
}

const config = { baseUrl: 'https://region.example/lucarne/fhir', accessTokenSeconds: 900, signingKeyRotationHours: 24, refreshTokenDays: 30 };

const grant: TokenGrant = {
  clientId: 'viewer',
  scopes: ['launch', 'openid', 'fhirUser', 'patient/ImagingStudy.rs', 'patient/Observation.rs?category=imaging'],
  subject: 'local:alice',
  fhirUser: 'Practitioner/p1',
  patient: 'pat-1',
  encounter: 'enc-1',
  fhirContext: [{ reference: 'ImagingStudy/123' }],
  needPatientBanner: true,
  purposeOfUse: ['TREAT'],
  launchedBy: 'ehr',
  family: 'fam-1',
};

function setUp() {
  const clock = new FakeClock();
  const state = new MemoryStateStore(clock);
  const service = createTokenService({ config, state, clock });
  return { clock, state, service };
}

/** Re-signs `claims` with a key of our own choosing, under the header given. */
async function forge(header: Record<string, unknown>, claims: Record<string, unknown>, sign: (input: string) => string): Promise<string> {
  const input = `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(claims))}`;
  return `${input}.${sign(input)}`;
}

describe('access tokens', () => {
  it('carry the grant as claims, with the header and lifetime of the settings', async () => {
    const { service, clock } = setUp();
    const issued = await service.issuer.issueAccessToken(grant);
    expect(issued.expiresIn).toBe(900);
    const header = decodeProtectedHeader(issued.accessToken);
    expect(header).toEqual({ alg: 'ES256', kid: expect.any(String), typ: 'at+jwt' });
    const claims = decodeJwt(issued.accessToken);
    const iat = Math.floor(clock.ms / 1000);
    expect(claims).toEqual({
      iss: 'https://region.example/lucarne/auth',
      aud: 'https://region.example/lucarne/fhir',
      sub: 'local:alice',
      client_id: 'viewer',
      scope: 'launch openid fhirUser patient/ImagingStudy.rs patient/Observation.rs?category=imaging',
      jti: issued.jti,
      iat,
      exp: iat + 900,
      patient: 'pat-1',
      encounter: 'enc-1',
      fhirContext: [{ reference: 'ImagingStudy/123' }],
      fhirUser: 'Practitioner/p1',
      need_patient_banner: true,
      purpose_of_use: ['TREAT'],
      launched_by: 'ehr',
      family: 'fam-1',
    });
    expect(issued.jti).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect((await service.issuer.issueAccessToken(grant)).jti).not.toBe(issued.jti);
  });

  it('never live over an hour, whatever the settings', async () => {
    const clock = new FakeClock();
    const service = createTokenService({ config: { ...config, accessTokenSeconds: 7200 }, state: new MemoryStateStore(clock), clock });
    const issued = await service.issuer.issueAccessToken(grant);
    expect(issued.expiresIn).toBe(3600);
    const { iat, exp } = decodeJwt(issued.accessToken);
    expect(exp! - iat!).toBe(3600);
  });

  it('verify into the grant they were issued for', async () => {
    const { service, clock } = setUp();
    const issued = await service.issuer.issueAccessToken(grant);
    const iat = Math.floor(clock.ms / 1000);
    expect(await service.verifier.verify(issued.accessToken)).toEqual({ ...grant, jti: issued.jti, issuedAt: iat, expiresAt: iat + 900 });
  });

  it('of a backend service have the client as sub and no subject once verified', async () => {
    const { service } = setUp();
    const issued = await service.issuer.issueAccessToken({ clientId: 'pacs', scopes: ['system/*.rs'] });
    expect(decodeJwt(issued.accessToken).sub).toBe('pacs');
    const verified = await service.verifier.verify(issued.accessToken);
    expect(verified).toMatchObject({ clientId: 'pacs', scopes: ['system/*.rs'] });
    expect(verified).not.toHaveProperty('subject');
    expect(verified).not.toHaveProperty('family');
  });
});

describe('the verifier refuses', () => {
  it('an expired token (beyond the 5 s tolerance), and accepts it within the tolerance', async () => {
    const { service, clock } = setUp();
    const { accessToken } = await service.issuer.issueAccessToken(grant);
    clock.advance(900 + 4);
    expect(await service.verifier.verify(accessToken)).toBeDefined();
    clock.advance(2);
    expect(await service.verifier.verify(accessToken)).toBeUndefined();
  });

  it('a token not yet valid (nbf in the future)', async () => {
    const { service, clock } = setUp();
    await service.issuer.issueAccessToken(grant); // makes the key
    const key = await service.keys.current();
    const iat = Math.floor(clock.ms / 1000);
    const sign = (nbf: number) =>
      new SignJWT({ client_id: 'viewer', scope: 'x' })
        .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'at+jwt' })
        .setIssuer(service.urls.issuer)
        .setAudience(service.urls.fhirBase)
        .setSubject('viewer')
        .setJti('j')
        .setIssuedAt(iat)
        .setNotBefore(nbf)
        .setExpirationTime(iat + 60)
        .sign(key.privateKey);
    expect(await service.verifier.verify(await sign(iat + 60))).toBeUndefined();
    expect(await service.verifier.verify(await sign(iat))).toBeDefined();
  });

  it.each([
    ['a wrong audience', { aud: 'https://other.example/fhir' }],
    ['an audience list with another server', { aud: ['https://region.example/lucarne/fhir', 'https://other.example/fhir'] }],
    ['a wrong issuer', { iss: 'https://other.example/auth' }],
    ['no jti', { jti: undefined }],
    ['no client_id', { client_id: undefined }],
    ['no scope', { scope: undefined }],
    ['no exp', { exp: undefined }],
    ['a lifetime over an hour', { exp: Math.floor(Date.parse('2026-03-01T10:00:00Z') / 1000) + 3601 }],
    ['a malformed launch context', { purpose_of_use: 'TREAT' }],
  ])('a token with %s, signed with the server key', async (_name, change) => {
    const { service } = setUp();
    const { accessToken } = await service.issuer.issueAccessToken(grant);
    const key = await service.keys.current();
    const claims = { ...decodeJwt(accessToken), ...change };
    const resigned = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'at+jwt' }).sign(key.privateKey);
    expect(await service.verifier.verify(resigned)).toBeUndefined();
    // The control: the same claims unchanged, re-signed the same way, do verify.
    const control = await new SignJWT(decodeJwt(accessToken)).setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'at+jwt' }).sign(key.privateKey);
    expect(await service.verifier.verify(control)).toBeDefined();
  });

  it('an id_token offered as an access token', async () => {
    const { service } = setUp();
    const idToken = await service.issuer.issueIdToken(grant, 'n-1');
    expect(await service.verifier.verify(idToken)).toBeUndefined();
  });

  it('alg none', async () => {
    const { service } = setUp();
    const { accessToken } = await service.issuer.issueAccessToken(grant);
    const { kid } = decodeProtectedHeader(accessToken);
    const unsigned = await forge({ alg: 'none', kid, typ: 'at+jwt' }, decodeJwt(accessToken), () => '');
    expect(await service.verifier.verify(unsigned)).toBeUndefined();
  });

  it('HS256 signed with the public key as the secret', async () => {
    const { service } = setUp();
    const { accessToken } = await service.issuer.issueAccessToken(grant);
    const { kid } = decodeProtectedHeader(accessToken);
    const jwks = await service.keys.jwks();
    const publicJwk = jwks.keys.find((k) => k.kid === kid)!;
    for (const secret of [JSON.stringify(publicJwk), JSON.stringify(await exportJWK((await service.keys.current()).publicKey))]) {
      const forged = await forge({ alg: 'HS256', kid, typ: 'at+jwt' }, decodeJwt(accessToken), (input) =>
        createHmac('sha256', secret).update(input).digest('base64url'),
      );
      expect(await service.verifier.verify(forged)).toBeUndefined();
    }
  });

  it('a tampered payload or signature', async () => {
    const { service } = setUp();
    const { accessToken } = await service.issuer.issueAccessToken(grant);
    const [header, payload, signature] = accessToken.split('.');
    const claims = { ...decodeJwt(accessToken), patient: 'pat-2' };
    const tamperedPayload = `${header}.${base64url.encode(JSON.stringify(claims))}.${signature}`;
    const bytes = base64url.decode(signature);
    bytes[10] ^= 0x01;
    const tamperedSignature = `${header}.${payload}.${base64url.encode(bytes)}`;
    expect(await service.verifier.verify(tamperedPayload)).toBeUndefined();
    expect(await service.verifier.verify(tamperedSignature)).toBeUndefined();
    expect(await service.verifier.verify(accessToken)).toBeDefined();
  });

  it('an unknown kid, and a token signed by another server key under a known kid', async () => {
    const { service } = setUp();
    const { accessToken } = await service.issuer.issueAccessToken(grant);
    const { kid } = decodeProtectedHeader(accessToken);
    const other = await generateKeyPair('ES256');
    const claims = decodeJwt(accessToken);
    const unknownKid = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'nobody', typ: 'at+jwt' }).sign(other.privateKey);
    const knownKid = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' }).sign(other.privateKey);
    const noKid = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' }).sign((await service.keys.current()).privateKey);
    expect(await service.verifier.verify(unknownKid)).toBeUndefined();
    expect(await service.verifier.verify(knownKid)).toBeUndefined();
    expect(await service.verifier.verify(noKid)).toBeUndefined();
  });

  it("a token of another Lucarne server (same URLs, its own keys)", async () => {
    const { service } = setUp();
    const other = setUp().service;
    const { accessToken } = await other.issuer.issueAccessToken(grant);
    await service.issuer.issueAccessToken(grant);
    expect(await other.verifier.verify(accessToken)).toBeDefined();
    expect(await service.verifier.verify(accessToken)).toBeUndefined();
  });

  it('garbage', async () => {
    const { service } = setUp();
    for (const junk of ['', 'abc', 'a.b.c', '...', 'eyJhbGciOiJFUzI1NiJ9.e30.']) expect(await service.verifier.verify(junk)).toBeUndefined();
  });

  it('a revoked jti, until its expiry, and nothing else', async () => {
    const { service, state, clock } = setUp();
    const a = await service.issuer.issueAccessToken(grant);
    const b = await service.issuer.issueAccessToken(grant);
    const exp = decodeJwt(a.accessToken).exp!;
    await service.revocations.revokeToken(a.jti, exp);
    expect(await service.verifier.verify(a.accessToken)).toBeUndefined();
    expect(await service.verifier.verify(b.accessToken)).toBeDefined();
    expect(await service.revocations.isRevoked({ jti: a.jti })).toBe(true);
    // The record outlives the token's acceptance (exp plus tolerance), then goes.
    clock.advance(900 + 5);
    expect(await state.get('revoked-token', a.jti)).toBeDefined();
    clock.advance(60);
    expect(await state.get('revoked-token', a.jti)).toBeUndefined();
  });

  it('every token of a revoked family', async () => {
    const { service } = setUp();
    const a = await service.issuer.issueAccessToken(grant);
    const b = await service.issuer.issueAccessToken({ ...grant, family: 'fam-2' });
    const c = await service.issuer.issueAccessToken({ ...grant, family: undefined });
    await service.revocations.revokeFamily('fam-1');
    expect(await service.verifier.verify(a.accessToken)).toBeUndefined();
    expect(await service.verifier.verify(b.accessToken)).toBeDefined();
    expect(await service.verifier.verify(c.accessToken)).toBeDefined();
    expect(await service.revocations.isRevoked({ jti: 'x', family: 'fam-1' })).toBe(true);
  });
});

describe('id_tokens', () => {
  it('name the user for the client, with the nonce, signed by a published key', async () => {
    const { service, clock } = setUp();
    const idToken = await service.issuer.issueIdToken(grant, 'n-1');
    const iat = Math.floor(clock.ms / 1000);
    expect(decodeJwt(idToken)).toEqual({
      iss: 'https://region.example/lucarne/auth',
      sub: 'local:alice',
      aud: 'viewer',
      fhirUser: 'Practitioner/p1',
      nonce: 'n-1',
      iat,
      exp: iat + 300,
    });
    const { kid, alg } = decodeProtectedHeader(idToken);
    expect(alg).toBe('ES256');
    expect((await service.keys.jwks()).keys.map((k) => k.kid)).toContain(kid);
  });
});
