import { FhirError } from '../../kernel/errors';
import type { Clock } from '../../kernel/clock';
import { ANONYMOUS_CALLER } from '../../fhir/rest/caller';
import { MemoryStateStore } from '../../store/state/memory-state-store';
import type { TokenGrant } from '../contracts';
import { createBearerAuthenticator } from './bearer-authenticator';
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

/** A state store that counts reads, to tell a cache hit from a verification. */
class CountingStore extends MemoryStateStore {
  gets = 0;
  override async get(space: string, key: string) {
    this.gets++;
    return super.get(space, key);
  }
}

const config = { baseUrl: 'https://region.example/fhir', accessTokenSeconds: 900, signingKeyRotationHours: 24, refreshTokenDays: 30 };
const grant: TokenGrant = {
  clientId: 'viewer',
  scopes: ['launch', 'patient/ImagingStudy.rs'],
  subject: 'oidc:https://psc.example#123',
  fhirUser: 'Practitioner/p1',
  patient: 'pat-1',
  encounter: 'enc-1',
  purposeOfUse: ['ETREAT'],
  launchedBy: 'ehr',
  family: 'fam-1',
};

function setUp() {
  const clock = new FakeClock();
  const state = new CountingStore(clock);
  return { clock, state, service: createTokenService({ config, state, clock }) };
}

async function refusal(promise: Promise<unknown>): Promise<FhirError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FhirError);
  return error as FhirError;
}

describe('bearer authentication', () => {
  it('turns a good token into its Caller', async () => {
    const { service } = setUp();
    const { accessToken, jti } = await service.issuer.issueAccessToken(grant);
    expect(await service.bearer.callerOf(`Bearer ${accessToken}`)).toEqual({
      clientId: 'viewer',
      user: 'Practitioner/p1',
      patient: 'pat-1',
      scopes: ['launch', 'patient/ImagingStudy.rs'],
      purposeOfUse: ['ETREAT'],
      tokenId: jti,
      subject: 'oidc:https://psc.example#123',
      launchedBy: 'ehr',
    });
    expect(await service.bearer.callerOf(`bearer  ${accessToken}`)).toMatchObject({ tokenId: jti });
  });

  it('a backend-service token has no user, no patient and no subject', async () => {
    const { service } = setUp();
    const { accessToken, jti } = await service.issuer.issueAccessToken({ clientId: 'pacs', scopes: ['system/*.rs'] });
    expect(await service.bearer.callerOf(`Bearer ${accessToken}`)).toEqual({ clientId: 'pacs', scopes: ['system/*.rs'], purposeOfUse: [], tokenId: jti });
  });

  it('without an Authorization header, the anonymous caller (the access policy answers 401)', async () => {
    const { service } = setUp();
    expect(await service.bearer.callerOf(undefined)).toBe(ANONYMOUS_CALLER);
    expect(await service.bearer.callerOf('')).toBe(ANONYMOUS_CALLER);
  });

  it('a bad token is a 401 with WWW-Authenticate invalid_token, never a caller', async () => {
    const { service, clock } = setUp();
    const { accessToken } = await service.issuer.issueAccessToken(grant);
    const error = await refusal(service.bearer.callerOf(`Bearer ${accessToken.slice(0, -2)}xx`));
    expect(error.status).toBe(401);
    expect(error.headers).toEqual({
      'WWW-Authenticate': 'Bearer realm="https://region.example/fhir", error="invalid_token", error_description="The access token is not valid"',
    });
    expect(error.issues).toEqual([{ severity: 'error', code: 'login', diagnostics: 'The access token is not valid' }]);
    expect(error.message).not.toContain(accessToken);

    clock.advance(906);
    const expired = await refusal(service.bearer.callerOf(`Bearer ${accessToken}`));
    expect(expired.status).toBe(401);
    expect(expired.headers['WWW-Authenticate']).toMatch(/^Bearer realm="https:\/\/region.example\/fhir", error="invalid_token", /);
  });

  it('another scheme or a malformed header is a 401 invalid_request', async () => {
    const { service } = setUp();
    for (const header of ['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer a b', 'Bearer "quoted"']) {
      const error = await refusal(service.bearer.callerOf(header));
      expect(error.status).toBe(401);
      expect(error.headers['WWW-Authenticate']).toBe(
        'Bearer realm="https://region.example/fhir", error="invalid_request", error_description="The Authorization header must be a Bearer token"',
      );
    }
  });

  it('a revoked token is refused', async () => {
    const { service } = setUp();
    const a = await service.issuer.issueAccessToken(grant);
    await service.revocations.revokeToken(a.jti, Math.floor(Date.now() / 1000) + 10_000);
    expect((await refusal(service.bearer.callerOf(`Bearer ${a.accessToken}`))).headers['WWW-Authenticate']).toContain('error="invalid_token"');
  });

  it('remembers a verified token: a repeat within a second reads nothing; later, revocation is re-checked', async () => {
    const { service, state, clock } = setUp();
    const { accessToken } = await service.issuer.issueAccessToken(grant);
    const first = await service.bearer.callerOf(`Bearer ${accessToken}`);
    const reads = state.gets;
    for (let i = 0; i < 100; i++) expect(await service.bearer.callerOf(`Bearer ${accessToken}`)).toBe(first);
    clock.advance(0.999);
    await service.bearer.callerOf(`Bearer ${accessToken}`);
    expect(state.gets).toBe(reads);
    clock.advance(0.001);
    await service.bearer.callerOf(`Bearer ${accessToken}`);
    expect(state.gets).toBe(reads + 2); // the jti and the family
    await service.bearer.callerOf(`Bearer ${accessToken}`);
    expect(state.gets).toBe(reads + 2);
  });

  it('sees a revocation made at another process within the re-check bound (1 s)', async () => {
    const { service: a, state, clock } = setUp();
    const b = createTokenService({ config, state, clock });
    const one = await a.issuer.issueAccessToken(grant);
    const two = await a.issuer.issueAccessToken({ ...grant, family: 'fam-2' });
    expect(await b.bearer.callerOf(`Bearer ${one.accessToken}`)).toMatchObject({ tokenId: one.jti });
    expect(await b.bearer.callerOf(`Bearer ${two.accessToken}`)).toMatchObject({ tokenId: two.jti });

    clock.advance(0.2);
    await a.revocations.revokeToken(one.jti, Math.floor(clock.ms / 1000) + 900);
    await a.revocations.revokeFamily('fam-2');
    // Within the bound B may still answer from its cache...
    clock.advance(0.5);
    expect(await b.bearer.callerOf(`Bearer ${one.accessToken}`)).toMatchObject({ tokenId: one.jti });
    // ...and once it has passed, it refuses both, and keeps refusing.
    clock.advance(0.3);
    for (let i = 0; i < 2; i++) {
      expect((await refusal(b.bearer.callerOf(`Bearer ${one.accessToken}`))).status).toBe(401);
      expect((await refusal(b.bearer.callerOf(`Bearer ${two.accessToken}`))).status).toBe(401);
    }
  });

  it('refuses a cached token once it expires', async () => {
    const { service, clock } = setUp();
    const { accessToken } = await service.issuer.issueAccessToken(grant);
    await service.bearer.callerOf(`Bearer ${accessToken}`);
    clock.advance(900 + 4);
    await service.bearer.callerOf(`Bearer ${accessToken}`);
    clock.advance(1);
    const error = await refusal(service.bearer.callerOf(`Bearer ${accessToken}`));
    expect(error.headers['WWW-Authenticate']).toContain('error_description="The access token has expired"');
  });

  it('keeps at most cacheSize tokens, forgetting the least recently checked', async () => {
    const { service, state, clock } = setUp();
    const bearer = createBearerAuthenticator({
      verifier: service.verifier,
      revocations: service.revocations,
      clock,
      realm: 'r',
      cacheSize: 2,
    });
    const tokens = await Promise.all([1, 2, 3].map(() => service.issuer.issueAccessToken(grant)));
    for (const t of tokens) await bearer.callerOf(`Bearer ${t.accessToken}`);
    const reads = state.gets;
    await bearer.callerOf(`Bearer ${tokens[2].accessToken}`);
    await bearer.callerOf(`Bearer ${tokens[1].accessToken}`);
    expect(state.gets).toBe(reads); // still cached
    await bearer.callerOf(`Bearer ${tokens[0].accessToken}`);
    expect(state.gets).toBeGreaterThan(reads); // forgotten, verified again
  });
});
