import { OAuthError, type GrantHandler, type TokenIssuer } from '../contracts';
import { grantSystemScopes } from '../scope-grants';

/**
 * SMART Backend Services (client_credentials): only confidential-asymmetric clients, whose private_key_jwt
 * assertion the authenticator has already checked. Symmetric clients are refused (unauthorized_client): SMART
 * defines backend services with asymmetric keys only, and a shared secret that never expires is the weaker
 * credential for unattended system-wide access. No refresh token: the service signs a new assertion instead.
 */
export function createClientCredentialsGrant(issuer: TokenIssuer): GrantHandler {
  return {
    grantType: 'client_credentials',
    async grant(client, form) {
      if (client.type !== 'confidential-asymmetric') {
        throw new OAuthError('unauthorized_client', 'client_credentials is for clients that authenticate with private_key_jwt', 400);
      }
      const scopes = grantSystemScopes(form.get('scope') ?? '', client.allowedScopes);
      const token = await issuer.issueAccessToken({ clientId: client.clientId, scopes });
      return { access_token: token.accessToken, token_type: 'Bearer', expires_in: token.expiresIn, scope: scopes.join(' ') };
    },
  };
}
