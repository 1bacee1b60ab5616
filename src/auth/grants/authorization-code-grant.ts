import { OAuthError, type GrantHandler, type TokenIssuer, type TokenRevocations } from '../contracts';
import type { CodeStore } from './authorization-codes';
import { randomSecret } from './opaque-secret';
import { isWellFormedVerifier, verifierMatches } from './pkce';
import { refreshKind, type RefreshTokens } from './refresh-tokens';
import { userTokenResponse } from './token-response';

export interface AuthorizationCodeGrantDeps {
  readonly codes: CodeStore;
  readonly refreshTokens: RefreshTokens;
  readonly issuer: TokenIssuer;
  readonly revocations: TokenRevocations;
}

const invalidGrant = (description: string) => new OAuthError('invalid_grant', description, 400);

/**
 * grant_type=authorization_code (RFC 6749 §4.1.3, RFC 7636 §4.6, SMART App Launch 2.x). The code is checked
 * (client, exact redirect_uri, PKCE S256) before it is claimed, so that only a request proving possession of
 * the verifier can redeem it; the claim is the single-winner insert, and a lost claim is a reused code, which
 * revokes the family the first redemption issued (RFC 6749 §4.1.2). Each redemption starts a new family.
 */
export function createAuthorizationCodeGrant(deps: AuthorizationCodeGrantDeps): GrantHandler {
  return {
    grantType: 'authorization_code',
    async grant(client, form) {
      const code = form.get('code');
      const redirectUri = form.get('redirect_uri');
      const verifier = form.get('code_verifier');
      if (!code) throw new OAuthError('invalid_request', 'code is required', 400);
      if (!redirectUri) throw new OAuthError('invalid_request', 'redirect_uri is required', 400);
      if (!verifier) throw new OAuthError('invalid_request', 'code_verifier is required (PKCE)', 400);

      const pending = await deps.codes.find(code);
      if (!pending) throw invalidGrant('the code is unknown or expired');
      const { approval } = pending;
      if (approval.clientId !== client.clientId) throw invalidGrant('the code was issued to another client');
      if (approval.redirectUri !== redirectUri) throw invalidGrant('redirect_uri differs from the authorization request');
      if (!isWellFormedVerifier(verifier)) throw invalidGrant('code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~');
      if (!verifierMatches(verifier, approval.codeChallenge)) throw invalidGrant('code_verifier does not match the code_challenge');

      const family = randomSecret(16);
      const claim = await deps.codes.claim(pending, family);
      if (!claim.won) {
        if (claim.family !== undefined) await deps.revocations.revokeFamily(claim.family);
        throw invalidGrant('the code was already used; the tokens issued from it are revoked');
      }

      // The tokens are the authenticated client's, whatever the stored grant says.
      const grant = { ...approval.grant, clientId: client.clientId };
      const kind = refreshKind(grant.scopes, approval.sessionId);
      const refreshToken =
        kind === undefined ? undefined : await deps.refreshTokens.issue({ clientId: client.clientId, family, grant, kind, sessionId: approval.sessionId });
      return userTokenResponse(deps.issuer, { ...grant, family }, { refreshToken, nonce: approval.nonce });
    },
  };
}
