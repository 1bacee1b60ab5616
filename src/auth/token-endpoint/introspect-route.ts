import type { WebRoute } from '../../kernel/web-route';
import type { AuthUrls } from '../auth-urls';
import { OAuthError, type TokenVerifier } from '../contracts';
import type { LucarneClientAuthenticator } from '../clients/client-authenticator';
import { errorResponse, jsonResponse, readForm } from './oauth-response';

export interface IntrospectRouteDeps {
  readonly authenticator: LucarneClientAuthenticator;
  readonly verifier: TokenVerifier;
  readonly urls: AuthUrls;
}

/**
 * POST /auth/introspect (RFC 7662). The caller must be an authenticated confidential client (a resource server
 * or gateway, typically); it may introspect any token. Anything but a good access token is `{active:false}`.
 */
export function introspectRoute(deps: IntrospectRouteDeps): WebRoute {
  return {
    method: 'POST',
    path: '/auth/introspect',
    async handle(request) {
      try {
        const form = readForm(request);
        await deps.authenticator.authenticate(request, form, { allowPublic: false });
        const token = form.get('token');
        if (!token) throw new OAuthError('invalid_request', 'token is required', 400);
        const verified = await deps.verifier.verify(token).catch(() => undefined);
        if (!verified) return jsonResponse(200, { active: false });
        return jsonResponse(200, {
          active: true,
          scope: verified.scopes.join(' '),
          client_id: verified.clientId,
          sub: verified.subject ?? verified.clientId,
          exp: verified.expiresAt,
          iat: verified.issuedAt,
          iss: deps.urls.issuer,
          aud: deps.urls.fhirBase,
          token_type: 'Bearer',
          ...(verified.patient !== undefined ? { patient: verified.patient } : {}),
          ...(verified.encounter !== undefined ? { encounter: verified.encounter } : {}),
          ...(verified.fhirContext !== undefined ? { fhirContext: verified.fhirContext } : {}),
          ...(verified.fhirUser !== undefined ? { fhirUser: verified.fhirUser } : {}),
        });
      } catch (e) {
        return errorResponse(e);
      }
    },
  };
}
