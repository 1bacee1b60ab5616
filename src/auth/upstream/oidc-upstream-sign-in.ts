import { createRemoteJWKSet, customFetch, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { Clock } from '../../kernel/clock';
import type { Logger } from '../../kernel/logger';
import type { FhirStore } from '../../store/store';
import type { AuthenticatedUser, UpstreamSignIn } from '../contracts';
import { codeChallenge, codeVerifier } from './pkce';
import { practitionerByRpps } from './practitioner-by-rpps';
import { providerMetadata, type ProviderMetadata } from './provider-metadata';
import { UpstreamSignInError } from './upstream-error';

export interface UpstreamSettings {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The id_token or userinfo claim holding the professional's national id (IDNPS / RPPS). */
  readonly rppsClaim: string;
}

export interface UpstreamDeps {
  readonly store: FhirStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** For tests; default: the global fetch. */
  readonly fetch?: typeof fetch;
}

// Asymmetric algorithms only: an id_token "signed" with the client secret (HS256) or unsigned is refused.
const ID_TOKEN_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const CLOCK_TOLERANCE_SECONDS = 30;

/**
 * Sign-in at an upstream OpenID Connect provider (authorization code flow, PKCE S256, client_secret_basic).
 * The id_token is checked against the provider's JWKS, issuer, audience, nonce and lifetime; the user's
 * Practitioner is found by the national professional id read from `rppsClaim`.
 */
export function createUpstreamSignIn(settings: UpstreamSettings, deps: UpstreamDeps): UpstreamSignIn {
  const fetchFn = deps.fetch ?? fetch;
  const metadata = providerMetadata(settings.issuer, deps.clock, fetchFn);
  const keySets = new Map<string, JWTVerifyGetKey>();
  const keysOf = (jwksUri: string): JWTVerifyGetKey => {
    let keys = keySets.get(jwksUri);
    if (!keys) keySets.set(jwksUri, (keys = createRemoteJWKSet(new URL(jwksUri), { [customFetch]: fetchFn, timeoutDuration: 10_000 })));
    return keys;
  };

  async function verify(token: string, meta: ProviderMetadata): Promise<JWTPayload> {
    try {
      const { payload } = await jwtVerify(token, keysOf(meta.jwks_uri), {
        issuer: meta.issuer,
        audience: settings.clientId,
        algorithms: ID_TOKEN_ALGORITHMS,
        currentDate: deps.clock.now(),
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['sub', 'exp', 'iat'],
      });
      // With several audiences, the token must have been issued to this client (OpenID Connect Core §3.1.3.7).
      if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload.azp !== settings.clientId) throw new Error('azp');
      return payload;
    } catch (e) {
      deps.logger.warn({ reason: (e as { code?: string }).code ?? (e as Error).message }, 'upstream id_token refused');
      throw new UpstreamSignInError('The identity provider\'s answer could not be verified; please sign in again.', 'id-token-invalid');
    }
  }

  async function post(url: string, form: URLSearchParams): Promise<Record<string, unknown>> {
    const basic = Buffer.from(`${encodeURIComponent(settings.clientId)}:${encodeURIComponent(settings.clientSecret)}`).toString('base64');
    let res: Response;
    try {
      res = await fetchFn(url, {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        signal: AbortSignal.timeout(10_000),
      });
    } catch {
      throw new UpstreamSignInError('The identity provider cannot be reached; try again later.', 'token-unreachable');
    }
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok) {
      deps.logger.warn({ status: res.status, error: body.error }, 'upstream token request refused');
      throw new UpstreamSignInError('The identity provider did not accept the sign-in; please sign in again.', 'code-refused');
    }
    return body;
  }

  async function userinfo(meta: ProviderMetadata, accessToken: unknown, subject: string): Promise<JWTPayload | undefined> {
    if (!meta.userinfo_endpoint || typeof accessToken !== 'string') return undefined;
    const res = await fetchFn(meta.userinfo_endpoint, {
      headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
      signal: AbortSignal.timeout(10_000),
    }).catch(() => undefined);
    if (!res?.ok) return undefined;
    const claims = (res.headers.get('content-type') ?? '').startsWith('application/jwt')
      ? await verify(await res.text(), meta)
      : ((await res.json().catch(() => undefined)) as JWTPayload | undefined);
    // Userinfo about someone else than the id_token's subject is not to be used (OpenID Connect Core §5.3.2).
    return claims?.sub === subject ? claims : undefined;
  }

  return {
    async authorizationUrl(redirectUri, state, nonce) {
      const meta = await metadata();
      const url = new URL(meta.authorization_endpoint);
      const params = {
        response_type: 'code',
        client_id: settings.clientId,
        redirect_uri: redirectUri,
        scope: 'openid profile',
        state,
        nonce,
        code_challenge: codeChallenge(codeVerifier(settings.clientSecret, state, nonce)),
        code_challenge_method: 'S256',
      };
      for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
      return url.toString();
    },

    async complete(query, redirectUri, nonce) {
      const error = query.get('error');
      if (error) {
        const why = error === 'access_denied' ? 'The sign-in was cancelled.' : 'The identity provider refused the sign-in.';
        throw new UpstreamSignInError(why, `provider-${error.slice(0, 40)}`);
      }
      const code = query.get('code');
      const state = query.get('state');
      if (!code || !state) throw new UpstreamSignInError('The sign-in answer is incomplete; please sign in again.', 'callback-incomplete');
      // RFC 9207: when the provider names itself in the callback, it must be the one we sent the user to.
      const iss = query.get('iss');
      if (iss !== null && iss !== settings.issuer) throw new UpstreamSignInError('The sign-in answer comes from another identity provider.', 'issuer-mismatch');
      const meta = await metadata();
      const tokens = await post(meta.token_endpoint, new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: redirectUri,
        code_verifier: codeVerifier(settings.clientSecret, state, nonce),
      }));
      if (typeof tokens.id_token !== 'string') throw new UpstreamSignInError('The identity provider sent no identity; please sign in again.', 'no-id-token');
      const claims = await verify(tokens.id_token, meta);
      if (claims.nonce !== nonce) {
        deps.logger.warn({ reason: 'nonce' }, 'upstream id_token refused');
        throw new UpstreamSignInError('The identity provider\'s answer could not be verified; please sign in again.', 'nonce-mismatch');
      }
      const subject = claims.sub as string;
      const needsUserinfo = claimString(claims, settings.rppsClaim) === undefined || displayNameOf(claims) === undefined;
      const info = needsUserinfo ? await userinfo(meta, tokens.access_token, subject) : undefined;
      const rpps = claimString(claims, settings.rppsClaim) ?? (info && claimString(info, settings.rppsClaim));
      const displayName = displayNameOf(claims) ?? (info && displayNameOf(info)) ?? subject;
      const fhirUser = rpps ? await practitionerOf(rpps) : undefined;
      const user: AuthenticatedUser = {
        subject: `oidc:${meta.issuer}#${subject}`,
        displayName,
        ...(fhirUser ? { fhirUser } : {}),
      };
      return user;
    },
  };

  async function practitionerOf(rpps: string): Promise<string | undefined> {
    const match = await practitionerByRpps(deps.store, rpps);
    if (match && 'ambiguous' in match) {
      // Signing in as one of several people sharing an identifier would show one of them someone else's access.
      deps.logger.warn({ practitioners: match.ambiguous }, 'several Practitioners have the national id of a signed-in professional; none is used');
      return undefined;
    }
    return match ? `Practitioner/${match.id}` : undefined;
  }
}

function claimString(claims: JWTPayload, name: string): string | undefined {
  const value = claims[name];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function displayNameOf(claims: JWTPayload): string | undefined {
  const full = claimString(claims, 'name');
  if (full) return full;
  const parts = [claimString(claims, 'given_name'), claimString(claims, 'family_name')].filter((p) => p !== undefined);
  return parts.length > 0 ? parts.join(' ') : undefined;
}
