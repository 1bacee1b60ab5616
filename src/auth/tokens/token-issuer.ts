import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Clock } from '../../kernel/clock';
import type { AuthUrls } from '../auth-urls';
import type { IssuedToken, TokenGrant, TokenIssuer } from '../contracts';
import type { SigningKeys } from '../keys/signing-keys';
import { SIGNING_ALG } from '../keys/signing-key';
import { grantClaims } from './token-claims';

/** No access token lives longer than this, whatever the settings say (SMART: at most one hour). */
export const MAX_ACCESS_TOKEN_SECONDS = 3600;

/** The `typ` header of access tokens (RFC 9068), which also keeps an id_token from passing for one. */
export const ACCESS_TOKEN_TYP = 'at+jwt';

export interface TokenIssuerOptions {
  readonly keys: SigningKeys;
  readonly urls: AuthUrls;
  readonly clock: Clock;
  readonly accessTokenSeconds: number;
  /** Lifetime of id_tokens (default 5 minutes: they are checked once, at sign-in). */
  readonly idTokenSeconds?: number;
}

export function accessTokenLifetime(accessTokenSeconds: number): number {
  return Math.max(1, Math.min(accessTokenSeconds, MAX_ACCESS_TOKEN_SECONDS));
}

/** Signs JWT access tokens and OpenID Connect id_tokens with the server's current key. */
export function createTokenIssuer(options: TokenIssuerOptions): TokenIssuer {
  const { keys, urls, clock } = options;
  const lifetime = accessTokenLifetime(options.accessTokenSeconds);
  const idTokenSeconds = options.idTokenSeconds ?? 300;
  const nowSeconds = () => Math.floor(clock.now().getTime() / 1000);

  return {
    async issueAccessToken(grant: TokenGrant): Promise<IssuedToken> {
      const key = await keys.current();
      const iat = nowSeconds();
      const jti = randomBytes(16).toString('base64url');
      const accessToken = await new SignJWT({
        client_id: grant.clientId,
        scope: grant.scopes.join(' '),
        ...grantClaims(grant),
      })
        .setProtectedHeader({ alg: SIGNING_ALG, kid: key.kid, typ: ACCESS_TOKEN_TYP })
        .setIssuer(urls.issuer)
        .setAudience(urls.fhirBase)
        .setSubject(grant.subject ?? grant.clientId)
        .setJti(jti)
        .setIssuedAt(iat)
        .setExpirationTime(iat + lifetime)
        .sign(key.privateKey);
      return { accessToken, expiresIn: lifetime, jti };
    },

    async issueIdToken(grant: TokenGrant, nonce?: string): Promise<string> {
      const key = await keys.current();
      const iat = nowSeconds();
      return new SignJWT({
        ...(grant.fhirUser === undefined ? {} : { fhirUser: grant.fhirUser }),
        ...(nonce === undefined ? {} : { nonce }),
      })
        .setProtectedHeader({ alg: SIGNING_ALG, kid: key.kid, typ: 'JWT' })
        .setIssuer(urls.issuer)
        .setSubject(grant.subject ?? grant.clientId)
        .setAudience(grant.clientId)
        .setIssuedAt(iat)
        .setExpirationTime(iat + idTokenSeconds)
        .sign(key.privateKey);
    },
  };
}
