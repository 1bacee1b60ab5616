/** Test harness of the user grants: a settable clock, a state store, the real token service, sessions in a Set. */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createLocalJWKSet, jwtVerify, type JWTPayload } from 'jose';
import type { Clock } from '../../kernel/clock';
import type { WebRequest } from '../../kernel/web-route';
import { MemoryStateStore } from '../../store/state/memory-state-store';
import type { StateStore } from '../../store/state/state-store';
import type { ApprovedAuthorization, RegisteredClient, TokenGrant, TokenResponse } from '../contracts';
import { OAuthError } from '../contracts';
import { createTokenService, type TokenService } from '../tokens/token-service';
import { createGrantServices, type GrantServices } from './grant-services';

export const CONFIG = { baseUrl: 'https://lucarne.example/fhir', accessTokenSeconds: 300, signingKeyRotationHours: 24, refreshTokenDays: 30 };
export const REDIRECT = 'https://viewer.example/app/callback';

export class TestClock implements Clock {
  constructor(public ms = Date.UTC(2026, 5, 1, 8, 0, 0)) {}
  now() {
    return new Date(this.ms);
  }
  advance(seconds: number) {
    this.ms += seconds * 1000;
  }
}

export function client(clientId: string, type: RegisteredClient['type'] = 'public'): RegisteredClient {
  return { clientId, name: clientId, type, redirectUris: [REDIRECT], allowedScopes: ['patient/*.rs', 'user/*.rs', 'openid', 'fhirUser', 'offline_access', 'online_access', 'launch'] };
}

export const VIEWER = client('viewer');
export const OTHER = client('other-app', 'confidential-symmetric');

export interface Pkce {
  readonly verifier: string;
  readonly challenge: string;
}

export function pkce(verifier = randomBytes(32).toString('base64url')): Pkce {
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export interface GrantHarness {
  readonly clock: TestClock;
  readonly state: StateStore;
  readonly tokens: TokenService;
  readonly grants: GrantServices;
  /** Live sign-in sessions (isSessionLive answers from it). */
  readonly sessions: Set<string>;
  /** Issues a code for an approval of `grant` (defaults: the viewer, REDIRECT, a fresh PKCE pair). */
  approve(grant?: Partial<Omit<TokenGrant, 'family'>>, more?: Partial<ApprovedAuthorization>): Promise<{ code: string; pkce: Pkce; approval: ApprovedAuthorization }>;
  redeem(form: Record<string, string>, as?: RegisteredClient): Promise<TokenResponse>;
  refresh(form: Record<string, string>, as?: RegisteredClient): Promise<TokenResponse>;
  /** The claims of an id_token, its signature checked against the server's JWKS. */
  idTokenClaims(idToken: string, audience: string): Promise<JWTPayload>;
}

export const DEFAULT_GRANT: Omit<TokenGrant, 'family'> = {
  clientId: 'viewer',
  scopes: ['launch', 'openid', 'fhirUser', 'patient/ImagingStudy.rs', 'patient/Observation.rs', 'offline_access'],
  subject: 'local:alice',
  fhirUser: 'Practitioner/pr-1',
  patient: 'pat-1',
  encounter: 'enc-1',
  fhirContext: [{ reference: 'ImagingStudy/123' }],
  needPatientBanner: true,
};

export function createGrantHarness(options: { state?: StateStore; clock?: TestClock; tokens?: TokenService } = {}): GrantHarness {
  const clock = options.clock ?? new TestClock();
  const state = options.state ?? new MemoryStateStore(clock);
  const tokens = options.tokens ?? createTokenService({ config: CONFIG, state, clock });
  const sessions = new Set<string>();
  const grants = createGrantServices({
    state,
    clock,
    issuer: tokens.issuer,
    revocations: tokens.revocations,
    refreshTokenDays: CONFIG.refreshTokenDays,
    isSessionLive: async (id) => sessions.has(id),
  });
  const request: WebRequest = { method: 'POST', path: '/auth/token', query: new URLSearchParams(), headers: {}, body: '', requestId: randomUUID(), remoteAddress: '127.0.0.1' };
  return {
    clock,
    state,
    tokens,
    grants,
    sessions,
    async approve(grant = {}, more = {}) {
      const pair = pkce();
      const approval: ApprovedAuthorization = { clientId: 'viewer', redirectUri: REDIRECT, codeChallenge: pair.challenge, grant: { ...DEFAULT_GRANT, ...grant }, nonce: 'n-0S6_WzA2Mj', ...more };
      return { code: await grants.codes.issue(approval), pkce: pair, approval };
    },
    redeem: (form, as = VIEWER) => grants.authorizationCode.grant(as, new URLSearchParams({ grant_type: 'authorization_code', ...form }), request),
    refresh: (form, as = VIEWER) => grants.refreshToken.grant(as, new URLSearchParams({ grant_type: 'refresh_token', ...form }), request),
    async idTokenClaims(idToken, audience) {
      const { payload } = await jwtVerify(idToken, createLocalJWKSet(await tokens.keys.jwks()), { issuer: tokens.urls.issuer, audience, currentDate: clock.now() });
      return payload;
    },
  };
}

/** The OAuthError a promise rejects with (fails the test if it resolves or rejects with something else). */
export async function oauthError(promise: Promise<unknown>): Promise<OAuthError> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected an OAuthError, got ${JSON.stringify(outcome.value)}`);
  if (!(outcome.error instanceof OAuthError)) throw outcome.error;
  return outcome.error;
}

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}
