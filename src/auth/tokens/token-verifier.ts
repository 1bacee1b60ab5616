import type { CryptoKey, JWTHeaderParameters } from 'jose';
import { jwtVerify } from 'jose';
import type { Clock } from '../../kernel/clock';
import type { AuthUrls } from '../auth-urls';
import type { TokenRevocations, TokenVerifier, VerifiedToken } from '../contracts';
import type { SigningKeys } from '../keys/signing-keys';
import { SIGNING_ALG } from '../keys/signing-key';
import { ACCESS_TOKEN_TYP, MAX_ACCESS_TOKEN_SECONDS } from './token-issuer';
import { REQUIRED_CLAIMS, verifiedToken } from './token-claims';

/** Clock difference tolerated on `exp`, `nbf` and `iat` (seconds). */
export const CLOCK_TOLERANCE_SECONDS = 5;

export interface TokenVerifierOptions {
  readonly keys: SigningKeys;
  readonly urls: AuthUrls;
  readonly clock: Clock;
  readonly revocations: TokenRevocations;
}

export interface SignatureVerifier {
  /** The claims of a token signed by one of the server's keys and within its lifetime, ignoring revocation. */
  verifySignature(token: string): Promise<VerifiedToken | undefined>;
}

/**
 * Verifies the server's own access tokens: ES256 only (so neither `none` nor an HMAC keyed with a public key
 * can pass), the key chosen by `kid` among the server's live keys, `typ` at+jwt, `iss`, `aud` = the FHIR base,
 * lifetime, the required claims, then revocation. Every bad token is undefined, never an exception; only a
 * failing state store throws (the server cannot tell, which is not the token's fault: a 500, not a 401).
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier & SignatureVerifier {
  const { keys, urls, clock, revocations } = options;

  async function keyOf(header: JWTHeaderParameters): Promise<CryptoKey> {
    let key;
    try {
      key = header.kid === undefined ? undefined : await keys.byKid(header.kid);
    } catch (error) {
      throw new StoreFailure(error);
    }
    if (!key) throw new Error('unknown kid');
    return key.publicKey;
  }

  async function verifySignature(token: string): Promise<VerifiedToken | undefined> {
    try {
      const { payload } = await jwtVerify(token, keyOf, {
        algorithms: [SIGNING_ALG],
        issuer: urls.issuer,
        audience: urls.fhirBase,
        typ: ACCESS_TOKEN_TYP,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        currentDate: clock.now(),
        requiredClaims: [...REQUIRED_CLAIMS],
      });
      const verified = verifiedToken(payload);
      if (!verified || verified.expiresAt - verified.issuedAt > MAX_ACCESS_TOKEN_SECONDS) return undefined;
      // One audience only: a token also meant for another server is not a token for this one.
      if (Array.isArray(payload.aud) && payload.aud.length !== 1) return undefined;
      return verified;
    } catch (error) {
      if (error instanceof StoreFailure) throw error.cause;
      return undefined;
    }
  }

  return {
    verifySignature,
    async verify(token: string): Promise<VerifiedToken | undefined> {
      const verified = await verifySignature(token);
      if (!verified) return undefined;
      return (await revocations.isRevoked(verified)) ? undefined : verified;
    },
  };
}

/** A state-store failure while looking a key up, told apart from the token's own faults. */
class StoreFailure {
  constructor(readonly cause: unknown) {}
}
