import type { Caller } from '../../fhir/rest/caller';
import { ANONYMOUS_CALLER } from '../../fhir/rest/caller';
import type { Clock } from '../../kernel/clock';
import { FhirError, issue } from '../../kernel/errors';
import type { BearerAuthenticator, TokenRevocations, VerifiedToken } from '../contracts';
import type { SignatureVerifier } from './token-verifier';
import { CLOCK_TOLERANCE_SECONDS } from './token-verifier';

/** A revocation made at any process is seen by every process within this time (plus one store read). */
export const REVOCATION_RECHECK_MS = 1000;

/** Verified tokens remembered at once; beyond, the least recently checked are forgotten. */
export const DEFAULT_BEARER_CACHE_SIZE = 10_000;

export interface BearerAuthenticatorOptions {
  readonly verifier: SignatureVerifier;
  readonly revocations: TokenRevocations;
  readonly clock: Clock;
  /** The `realm` of WWW-Authenticate (the FHIR base URL). */
  readonly realm: string;
  readonly cacheSize?: number;
  readonly recheckMs?: number;
}

interface CachedToken {
  readonly caller: Caller;
  readonly token: VerifiedToken;
  /** Epoch ms after which the token is no longer accepted (exp plus the clock tolerance). */
  readonly until: number;
  /** When revocation was last checked (epoch ms). */
  checkedAt: number;
}

/**
 * The Caller of a FHIR request, from its `Authorization: Bearer` token. It runs on every request, so a token
 * verified once is remembered (by the exact header, bounded, until it expires) and a repeat costs a Map
 * lookup; revocation is still re-checked at most every REVOCATION_RECHECK_MS, so a token revoked at another
 * process is refused here within about a second.
 */
export function createBearerAuthenticator(options: BearerAuthenticatorOptions): BearerAuthenticator {
  const { verifier, revocations, clock } = options;
  const cacheSize = options.cacheSize ?? DEFAULT_BEARER_CACHE_SIZE;
  const recheckMs = options.recheckMs ?? REVOCATION_RECHECK_MS;
  const cache = new Map<string, CachedToken>();
  const realm = options.realm.replace(/["\\]/g, '');

  const refuse = (error: string, description: string) =>
    new FhirError(401, [issue('login', description)], {
      'WWW-Authenticate': `Bearer realm="${realm}", error="${error}", error_description="${description}"`,
    });

  function remember(header: string, entry: CachedToken, now: number): void {
    if (cache.size >= cacheSize) {
      // Map order is insertion order and a hit re-inserts at the revocation re-check, so the first entries
      // are the least recently used ones (and expired ones are dropped on the way).
      for (const [key, old] of cache) {
        if (cache.size < cacheSize && old.until > now) break;
        cache.delete(key);
      }
    }
    cache.set(header, entry);
  }

  return {
    async callerOf(authorization: string | undefined): Promise<Caller> {
      if (authorization === undefined) return ANONYMOUS_CALLER;
      // Keyed by the header as received: a repeat is one lookup, and any other header is parsed and verified.
      const now = clock.now().getTime();
      const cached = cache.get(authorization);
      if (cached) {
        if (cached.until <= now) {
          cache.delete(authorization);
          throw refuse('invalid_token', 'The access token has expired');
        }
        if (now - cached.checkedAt < recheckMs) return cached.caller;
        // Marked first, so that requests arriving during the store read do not pile up reads of their own.
        cached.checkedAt = now;
        if (await revocations.isRevoked(cached.token)) {
          cache.delete(authorization);
          throw refuse('invalid_token', 'The access token has been revoked');
        }
        cache.delete(authorization);
        cache.set(authorization, cached);
        return cached.caller;
      }

      if (authorization.trim() === '') return ANONYMOUS_CALLER;
      const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(authorization);
      if (!match) throw refuse('invalid_request', 'The Authorization header must be a Bearer token');
      const tokenString = match[1];
      const token = await verifier.verifySignature(tokenString);
      if (!token) throw refuse('invalid_token', 'The access token is not valid');
      if (await revocations.isRevoked(token)) throw refuse('invalid_token', 'The access token has been revoked');
      const caller = callerOf(token);
      remember(authorization, { caller, token, until: (token.expiresAt + CLOCK_TOLERANCE_SECONDS) * 1000, checkedAt: now }, now);
      return caller;
    },
  };
}

/** The Caller a verified token describes. */
export function callerOf(token: VerifiedToken): Caller {
  return Object.freeze({
    clientId: token.clientId,
    scopes: Object.freeze([...token.scopes]),
    purposeOfUse: Object.freeze([...(token.purposeOfUse ?? [])]),
    tokenId: token.jti,
    ...(token.fhirUser === undefined ? {} : { user: token.fhirUser }),
    ...(token.patient === undefined ? {} : { patient: token.patient }),
    ...(token.subject === undefined ? {} : { subject: token.subject }),
    ...(token.launchedBy === undefined ? {} : { launchedBy: token.launchedBy }),
  });
}
