import type { LucarneConfig } from '../../config/config';
import type { AuditSink } from '../../kernel/audit-sink';
import type { Clock } from '../../kernel/clock';
import type { WebRoute } from '../../kernel/web-route';
import type { StateStore } from '../../store/state/state-store';
import { authUrls } from '../auth-urls';
import type { ClientRegistry, GrantHandler, TokenIssuer, TokenRevocations, TokenVerifier } from '../contracts';
import { createClientCredentialsGrant } from '../token-endpoint/client-credentials-grant';
import { introspectRoute } from '../token-endpoint/introspect-route';
import { revokeRoute, type RevokeRefreshToken } from '../token-endpoint/revoke-route';
import { tokenRoute } from '../token-endpoint/token-route';
import { clientAdminRoutes } from './admin-routes';
import { createClientAuthenticator, type LucarneClientAuthenticator } from './client-authenticator';
import { createClientRegistry } from './client-registry';

export interface ClientServicesDeps {
  readonly config: Pick<LucarneConfig, 'baseUrl'>;
  readonly state: StateStore;
  readonly clock: Clock;
  readonly audit: AuditSink;
  readonly issuer: TokenIssuer;
  readonly verifier: TokenVerifier;
  readonly revocations: TokenRevocations;
}

export interface ClientServices {
  readonly registry: ClientRegistry;
  readonly authenticator: LucarneClientAuthenticator;
  readonly grants: { readonly clientCredentials: GrantHandler };
  /**
   * POST /auth/token (dispatching to `grants`: pass every grant handler, client_credentials included),
   * /auth/introspect, /auth/revoke and the clients' administration API (/auth/manage/clients, prefix routes).
   * `revokeRefreshToken` lets /auth/revoke revoke the refresh tokens of the refresh_token grant.
   */
  routes(grants: readonly GrantHandler[], options?: { revokeRefreshToken?: RevokeRefreshToken }): WebRoute[];
}

/** The OAuth clients, their authentication, the backend-services grant and the token endpoints, built together. */
export function createClientServices(deps: ClientServicesDeps): ClientServices {
  const urls = authUrls(deps.config);
  const registry = createClientRegistry(deps.state);
  const authenticator = createClientAuthenticator({ registry, state: deps.state, clock: deps.clock, tokenEndpoint: urls.url('/auth/token') });
  const clientCredentials = createClientCredentialsGrant(deps.issuer);
  return {
    registry,
    authenticator,
    grants: { clientCredentials },
    routes(grants, options = {}) {
      return [
        tokenRoute({ authenticator, grants, audit: deps.audit, clock: deps.clock }),
        introspectRoute({ authenticator, verifier: deps.verifier, urls }),
        revokeRoute({ authenticator, verifier: deps.verifier, revocations: deps.revocations, revokeRefreshToken: options.revokeRefreshToken, audit: deps.audit, clock: deps.clock }),
        ...clientAdminRoutes({ registry, verifier: deps.verifier, audit: deps.audit, clock: deps.clock, urls }),
      ];
    },
  };
}
