import type { CapabilityStatementRestSecurity } from '@medplum/fhirtypes';
import type { Logger } from 'pino';
import { ANONYMOUS_CALLER, type Caller } from '../fhir/rest/caller';
import { FhirError } from '../kernel/errors';
import { authorizeRoutes } from './authorize/authorize-routes';
import { createAuthorizeFlow } from './authorize/authorize-flow';
import { createPatientFinder, type FhirDispatch } from './authorize/patient-finder';
import { createPendingAuthorizations } from './authorize/pending-authorizations';
import { createSignInSessions } from './authorize/sign-in-sessions';
import { createClientServices, type ClientServices } from './clients/client-services';
import { createGrantServices } from './grants/grant-services';
import { createLaunchContexts } from './launch/launch-context';
import { launchRoute } from './launch/launch-route';
import { createUserServices, type UserServices } from './users/user-services';
import type { ScryptCost } from './users/password-hash';
import { capabilitySecurity } from './discovery/capability-security';
import { createTokenService, type TokenService } from './tokens/token-service';
import type { LucarneConfig } from '../config/config';
import type { AuditSink } from '../kernel/audit-sink';
import type { Clock } from '../kernel/clock';
import type { WebRoute } from '../kernel/web-route';
import type { StateStore } from '../store/state/state-store';
import type { FhirStore } from '../store/store';

/** What the authorization server is built from: the server's settings, shared state and FHIR store. */
export interface AuthDeps {
  readonly config: LucarneConfig;
  readonly state: StateStore;
  /** The server's store, for the users' Practitioner and Patient records (never for access decisions' data). */
  readonly store: FhirStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Where token, sign-in and launch events are recorded. */
  readonly audit: AuditSink;
  /**
   * The FHIR dispatch (access decision and audit included), for what the sign-in pages read as the user:
   * the patient picker. Called only once requests arrive, so it may be bound after the server is built.
   */
  readonly dispatch: FhirDispatch;
  /** Password hashing cost of local accounts (tests lower it). */
  readonly hashCost?: ScryptCost;
}

/** Lucarne's SMART on FHIR authorization server, as the composition root mounts it. */
export interface AuthServer {
  /** Discovery, JWKS, token, introspection, revocation and client administration endpoints. */
  readonly routes: readonly WebRoute[];
  /** The caller of a FHIR request from its Authorization header; a bad token becomes a caller with `tokenError`. */
  callerOf(authorization: string | undefined): Promise<Caller>;
  /** The CapabilityStatement's rest.security. */
  readonly security: CapabilityStatementRestSecurity;
  readonly tokens: TokenService;
  readonly clients: ClientServices;
  readonly users: UserServices;
}

/** Composes the parts of the authorization server (see contracts.ts for the seams between them). */
export async function createAuthServer(deps: AuthDeps): Promise<AuthServer> {
  const tokens = createTokenService({ config: deps.config, state: deps.state, clock: deps.clock });
  const clients = createClientServices({ ...deps, issuer: tokens.issuer, verifier: tokens.verifier, revocations: tokens.revocations });
  const users = createUserServices({ ...deps, ...(deps.hashCost ? { hashCost: deps.hashCost } : {}) });
  const sessions = createSignInSessions({
    state: deps.state,
    clock: deps.clock,
    minutes: deps.config.sessionMinutes,
    secure: tokens.urls.issuer.startsWith('https:'),
    cookiePath: new URL(tokens.urls.issuer).pathname,
  });
  const userGrants = createGrantServices({
    state: deps.state,
    clock: deps.clock,
    issuer: tokens.issuer,
    revocations: tokens.revocations,
    refreshTokenDays: deps.config.refreshTokenDays,
    isSessionLive: (id) => sessions.isLive(id),
  });
  const grants = [clients.grants.clientCredentials, userGrants.authorizationCode, userGrants.refreshToken];
  const launches = createLaunchContexts(deps.state, deps.clock);
  const pending = createPendingAuthorizations(deps.state, deps.clock);
  const patients = createPatientFinder((request, caller) => deps.dispatch(request, caller));
  const flow = createAuthorizeFlow({
    urls: tokens.urls,
    pending,
    sessions,
    patients,
    codes: userGrants.codes,
    audit: deps.audit,
    clock: deps.clock,
    upstream: users.upstream !== undefined,
    carriesLaunchUser: async (clientId) => (await clients.registry.get(clientId))?.carriesLaunchUser === true,
  });
  const signInRoutes = authorizeRoutes({
    urls: tokens.urls,
    clients: clients.registry,
    launches,
    pending,
    sessions,
    flow,
    patients,
    passwords: users.signIn,
    ...(users.upstream ? { upstream: users.upstream } : {}),
    audit: deps.audit,
    clock: deps.clock,
    cookie: { secure: tokens.urls.issuer.startsWith('https:'), path: new URL(tokens.urls.issuer).pathname },
  });
  // The JWKS publishes a key from the first start, before any token is signed.
  await tokens.keys.current();
  await users.ensureAdministrator();
  return {
    routes: [
      ...tokens.routes,
      ...clients.routes(grants, { revokeRefreshToken: userGrants.revokeRefreshToken }),
      ...signInRoutes,
      launchRoute({ authenticator: clients.authenticator, launches, audit: deps.audit, clock: deps.clock }),
    ],
    users,
    security: capabilitySecurity(tokens.urls),
    tokens,
    clients,
    async callerOf(authorization) {
      try {
        return await tokens.bearer.callerOf(authorization);
      } catch (e) {
        // Refused by the access decision in the router, where the refusal is audited like any other.
        if (e instanceof FhirError && e.status === 401) return { ...ANONYMOUS_CALLER, tokenError: e.issues[0]?.diagnostics ?? 'invalid token' };
        throw e;
      }
    },
  };
}
