import { decodeJwt, decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import type { Clock } from '../../kernel/clock';
import type { WebRequest } from '../../kernel/web-route';
import type { StateStore } from '../../store/state/state-store';
import { OAuthError, type ClientAuthenticator, type ClientRegistry, type RegisteredClient } from '../contracts';
import { ClientKeys } from './client-keys';
import { UNMATCHABLE_HASH, verifySecret } from './secret-hash';

export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
export const ASSERTION_JTI_SPACE = 'client-assertion-jti';
/** SMART: an assertion lives at most five minutes. */
const MAX_ASSERTION_SECONDS = 300;
const ASSERTION_ALGORITHMS = ['RS384', 'ES384'];
/** The grants a public client (no credentials) may use: those where PKCE or a bound refresh token stands in. */
const PUBLIC_GRANTS = ['authorization_code', 'refresh_token'];

export interface AuthenticateOptions {
  /**
   * Whether a public client (client_id only) is accepted. Default: only for the authorization_code and
   * refresh_token grants (the form's grant_type). Revocation allows it (RFC 7009 §2.1).
   */
  readonly allowPublic?: boolean;
}

export interface ClientAuthenticatorDeps {
  readonly registry: ClientRegistry;
  readonly state: StateStore;
  readonly clock: Clock;
  /** The token endpoint's public URL: the one `aud` an assertion may have. */
  readonly tokenEndpoint: string;
}

export interface LucarneClientAuthenticator extends ClientAuthenticator {
  authenticate(request: WebRequest, form: URLSearchParams, options?: AuthenticateOptions): Promise<RegisteredClient>;
}

/** The client id a request claims to come from, before any check (for the audit of refusals). */
export function claimedClientId(request: WebRequest, form: URLSearchParams): string | undefined {
  const basic = parseBasic(request.headers.authorization);
  if (basic && typeof basic !== 'string') return basic.id;
  const assertion = form.get('client_assertion');
  if (assertion) {
    try {
      const iss = decodeJwt(assertion).iss;
      if (typeof iss === 'string') return iss.slice(0, 128);
    } catch {
      // not a JWT: fall back to client_id
    }
  }
  return form.get('client_id')?.slice(0, 128) ?? undefined;
}

/** `Basic base64(urlencode(id):urlencode(secret))` (RFC 6749 §2.3.1), a message when malformed, undefined when absent. */
function parseBasic(authorization: string | undefined): { id: string; secret: string } | string | undefined {
  if (!authorization || !/^basic /i.test(authorization)) return undefined;
  const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return 'malformed Basic credentials';
  try {
    const unescape = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    return { id: unescape(decoded.slice(0, colon)), secret: unescape(decoded.slice(colon + 1)) };
  } catch {
    return 'malformed Basic credentials';
  }
}

export function createClientAuthenticator(deps: ClientAuthenticatorDeps): LucarneClientAuthenticator {
  const keys = new ClientKeys();

  async function secretClient(id: string, secret: string, challenge: Record<string, string>): Promise<RegisteredClient> {
    const client = await deps.registry.get(id);
    const hash = client?.type === 'confidential-symmetric' && client.secretHash ? client.secretHash : UNMATCHABLE_HASH;
    const matches = await verifySecret(secret, hash);
    if (!client || !matches || hash === UNMATCHABLE_HASH) {
      throw new OAuthError('invalid_client', 'client authentication failed', 401, challenge);
    }
    return client;
  }

  async function assertionClient(assertion: string, formClientId: string | null): Promise<RegisteredClient> {
    const fail = (why: string) => new OAuthError('invalid_client', `client assertion refused: ${why}`, 401);
    let iss: unknown;
    let header;
    try {
      iss = decodeJwt(assertion).iss;
      header = decodeProtectedHeader(assertion);
    } catch {
      throw fail('not a JWT');
    }
    if (typeof iss !== 'string') throw fail('no iss');
    if (formClientId !== null && formClientId !== iss) throw fail('client_id differs from the assertion iss');
    const client = await deps.registry.get(iss);
    if (!client) throw fail('unknown client');
    if (client.type !== 'confidential-asymmetric') throw fail('the client is not registered for private_key_jwt');
    if (!ASSERTION_ALGORITHMS.includes(String(header.alg))) throw fail(`alg must be RS384 or ES384, not ${String(header.alg).slice(0, 20)}`);
    if (header.jku !== undefined && header.jku !== client.jwksUri) throw fail('jku is not the registered JWKS URL');

    const now = deps.clock.now();
    let payload;
    try {
      ({ payload } = await jwtVerify(assertion, keys.resolverOf(client), {
        algorithms: ASSERTION_ALGORITHMS,
        issuer: client.clientId,
        subject: client.clientId,
        audience: deps.tokenEndpoint,
        currentDate: now,
        requiredClaims: ['exp', 'jti'],
      }));
    } catch (e) {
      throw fail(joseReason(e));
    }
    const exp = payload.exp!;
    const nowSeconds = Math.floor(now.getTime() / 1000);
    if (exp - nowSeconds > MAX_ASSERTION_SECONDS) throw fail('exp is more than 5 minutes ahead');
    if (payload.iat !== undefined && exp - payload.iat > MAX_ASSERTION_SECONDS) throw fail('lifetime (exp - iat) over 5 minutes');
    if (typeof payload.jti !== 'string' || payload.jti === '' || payload.jti.length > 256) throw fail('jti must be a non-empty string');
    // Kept until the assertion expires: after that, replaying it fails on exp anyway.
    const fresh = await deps.state.insert(ASSERTION_JTI_SPACE, `${client.clientId} ${payload.jti}`, { at: nowSeconds }, (exp + 1) * 1000);
    if (!fresh) throw fail('jti already used');
    return client;
  }

  return {
    async authenticate(request, form, options = {}) {
      const basic = parseBasic(request.headers.authorization);
      const assertion = form.get('client_assertion');
      const assertionType = form.get('client_assertion_type');
      const formSecret = form.get('client_secret');
      const formClientId = form.get('client_id');
      const methods = [basic, assertion ?? assertionType, formSecret].filter((m) => m !== undefined && m !== null).length;
      if (methods > 1) throw new OAuthError('invalid_request', 'use exactly one client authentication method', 400);

      if (basic !== undefined) {
        const challenge = { 'WWW-Authenticate': 'Basic realm="lucarne"' };
        if (typeof basic === 'string') throw new OAuthError('invalid_client', basic, 401, challenge);
        if (formClientId !== null && formClientId !== basic.id) throw new OAuthError('invalid_client', 'client_id differs from the Basic credentials', 401, challenge);
        return secretClient(basic.id, basic.secret, challenge);
      }
      if (assertion !== null || assertionType !== null) {
        if (assertionType !== JWT_BEARER_ASSERTION) throw new OAuthError('invalid_client', `client_assertion_type must be ${JWT_BEARER_ASSERTION}`, 401);
        if (!assertion) throw new OAuthError('invalid_client', 'client_assertion is missing', 401);
        return assertionClient(assertion, formClientId);
      }
      if (formSecret !== null) {
        if (!formClientId) throw new OAuthError('invalid_client', 'client_secret without client_id', 401);
        return secretClient(formClientId, formSecret, {});
      }
      if (!formClientId) throw new OAuthError('invalid_client', 'no client authentication', 401);
      const client = await deps.registry.get(formClientId);
      if (!client) throw new OAuthError('invalid_client', 'client authentication failed', 401);
      if (client.type !== 'public') throw new OAuthError('invalid_client', 'a confidential client must authenticate', 401);
      const allowPublic = options.allowPublic ?? PUBLIC_GRANTS.includes(form.get('grant_type') ?? '');
      if (!allowPublic) throw new OAuthError('invalid_client', 'a public client cannot authenticate for this request', 401);
      return client;
    },
  };
}

function joseReason(e: unknown): string {
  if (e instanceof joseErrors.JWTExpired) return 'expired';
  if (e instanceof joseErrors.JWTClaimValidationFailed) return `${e.claim} ${e.reason === 'check_failed' ? 'is wrong' : 'is missing'}`;
  if (e instanceof joseErrors.JWKSNoMatchingKey) return 'no registered key matches its kid';
  if (e instanceof joseErrors.JWKSMultipleMatchingKeys) return 'several registered keys match; set kid';
  if (e instanceof joseErrors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  if (e instanceof joseErrors.JWSSignatureVerificationFailed) return 'bad signature';
  if (e instanceof joseErrors.JWKSTimeout) return 'the client JWKS URL did not answer';
  if (e instanceof joseErrors.JOSEError) return e.code;
  return 'could not be verified';
}
