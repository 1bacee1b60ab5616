import { OAuthError, type GrantHandler, type SessionCheck, type TokenIssuer, type TokenRevocations } from '../contracts';
import { type RefreshRecord, type RefreshTokens } from './refresh-tokens';
import { userTokenResponse } from './token-response';

export interface RefreshTokenGrantDeps {
  readonly refreshTokens: RefreshTokens;
  readonly issuer: TokenIssuer;
  readonly revocations: TokenRevocations;
  readonly isSessionLive: SessionCheck;
}

/**
 * A jti no access token has (issued jtis are base64url, which has no `#`): asking TokenRevocations about it
 * with a family answers whether the family alone is revoked.
 */
export const NO_ACCESS_TOKEN_JTI = '#refresh-token';

const invalidGrant = (description: string) => new OAuthError('invalid_grant', description, 400);

/**
 * grant_type=refresh_token (RFC 6749 §6, SMART App Launch 2.x, OAuth 2 security BCP §4.14). Every use rotates:
 * the used token is marked (single-winner insert) and a new one of the same family is returned; a second use
 * of one token is taken for a stolen token and revokes the whole family, access tokens included. All checks
 * come before the mark, so that a refused request (bad scope, another client) does not spend the token.
 */
export function createRefreshTokenGrant(deps: RefreshTokenGrantDeps): GrantHandler {
  return {
    grantType: 'refresh_token',
    async grant(client, form) {
      const token = form.get('refresh_token');
      if (!token) throw new OAuthError('invalid_request', 'refresh_token is required', 400);
      const found = await deps.refreshTokens.find(token);
      if (!found) throw invalidGrant('the refresh token is unknown or expired');
      const { record } = found;
      if (record.clientId !== client.clientId) throw invalidGrant('the refresh token was issued to another client');
      if (await deps.revocations.isRevoked({ jti: NO_ACCESS_TOKEN_JTI, family: record.family })) throw invalidGrant('the refresh token is revoked');
      if (record.sessionId !== undefined && !(await deps.isSessionLive(record.sessionId))) {
        throw invalidGrant('the sign-in session of this online_access refresh token has ended');
      }
      const scopes = requestedScopes(form.get('scope'), record);

      if (!(await deps.refreshTokens.markUsed(found))) {
        await deps.revocations.revokeFamily(record.family);
        throw invalidGrant('the refresh token was already used; its family is revoked');
      }

      // A record has a session exactly when it is an online_access one.
      const kind = record.sessionId === undefined ? 'offline' : 'online';
      // RFC 6749 §6: the new refresh token keeps the scope of the one presented; only the access token narrows.
      const refreshToken = await deps.refreshTokens.issue({
        clientId: record.clientId,
        family: record.family,
        grant: record.grant,
        kind,
        sessionId: record.sessionId,
        notAfter: record.notAfter,
      });
      return userTokenResponse(deps.issuer, { ...record.grant, clientId: record.clientId, scopes, family: record.family }, { refreshToken });
    },
  };
}

/** The scopes of the new access token: all that was granted, or a subset of it (RFC 6749 §6: never more). */
function requestedScopes(scope: string | null, record: RefreshRecord): readonly string[] {
  if (scope === null) return record.grant.scopes;
  const asked = [...new Set(scope.split(/[ ]+/).filter((s) => s !== ''))];
  if (asked.length === 0) throw new OAuthError('invalid_scope', 'scope is empty', 400);
  const granted = new Set(record.grant.scopes);
  const extra = asked.filter((s) => !granted.has(s));
  if (extra.length > 0) throw new OAuthError('invalid_scope', `scope exceeds what was granted: ${extra.join(' ').slice(0, 200)}`, 400);
  return asked;
}
