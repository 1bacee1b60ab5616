import type { AuditSink } from '../../kernel/audit-sink';
import type { Clock } from '../../kernel/clock';
import type { WebRoute } from '../../kernel/web-route';
import { OAuthError, type RegisteredClient, type TokenRevocations, type TokenVerifier } from '../contracts';
import type { LucarneClientAuthenticator } from '../clients/client-authenticator';
import { errorResponse, jsonResponse, readForm } from './oauth-response';
import { recordToken } from './token-audit';

/**
 * Revokes a refresh token of `client` (the refresh-token grant's owner provides it): true when the token was a
 * refresh token of that client and is now revoked, false when it is not one (unknown, or another client's).
 */
export type RevokeRefreshToken = (token: string, client: RegisteredClient) => Promise<boolean>;

export interface RevokeRouteDeps {
  readonly authenticator: LucarneClientAuthenticator;
  readonly verifier: TokenVerifier;
  readonly revocations: TokenRevocations;
  readonly revokeRefreshToken?: RevokeRefreshToken;
  readonly audit: AuditSink;
  readonly clock: Clock;
}

/**
 * POST /auth/revoke (RFC 7009). The client authenticates (a public client by its client_id) and may revoke only
 * its own tokens; the answer is 200 whatever the token was (unknown, expired, another client's), so that the
 * endpoint tells nothing about tokens.
 */
export function revokeRoute(deps: RevokeRouteDeps): WebRoute {
  async function revokeAccess(token: string, client: RegisteredClient): Promise<boolean> {
    const verified = await deps.verifier.verify(token).catch(() => undefined);
    if (!verified || verified.clientId !== client.clientId) return false;
    await deps.revocations.revokeToken(verified.jti, verified.expiresAt);
    return true;
  }
  async function revokeRefresh(token: string, client: RegisteredClient): Promise<boolean> {
    return deps.revokeRefreshToken ? deps.revokeRefreshToken(token, client) : false;
  }

  return {
    method: 'POST',
    path: '/auth/revoke',
    async handle(request) {
      try {
        const form = readForm(request);
        const client = await deps.authenticator.authenticate(request, form, { allowPublic: true });
        const token = form.get('token');
        if (!token) throw new OAuthError('invalid_request', 'token is required', 400);
        // The hint only orders the attempts (RFC 7009 §2.1): a wrong hint still revokes.
        const order = form.get('token_type_hint') === 'refresh_token' ? [revokeRefresh, revokeAccess] : [revokeAccess, revokeRefresh];
        let kind: string | undefined;
        for (const attempt of order) {
          if (await attempt(token, client)) {
            kind = attempt === revokeAccess ? 'access token' : 'refresh token';
            break;
          }
        }
        if (kind) await recordToken(deps.audit, deps.clock, request, 'token-revoked', { status: 200, clientId: client.clientId, outcomeDescription: `${kind} revoked` });
        return jsonResponse(200, {});
      } catch (e) {
        return errorResponse(e);
      }
    },
  };
}
