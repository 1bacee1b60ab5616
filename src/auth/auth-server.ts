import type { CapabilityStatementRestSecurity } from '@medplum/fhirtypes';
import type { Logger } from 'pino';
import { ANONYMOUS_CALLER, type Caller } from '../fhir/rest/caller';
import { FhirError } from '../kernel/errors';
import { createClientServices, type ClientServices } from './clients/client-services';
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
}

/** Composes the parts of the authorization server (see contracts.ts for the seams between them). */
export async function createAuthServer(deps: AuthDeps): Promise<AuthServer> {
  const tokens = createTokenService({ config: deps.config, state: deps.state, clock: deps.clock });
  const clients = createClientServices({ ...deps, issuer: tokens.issuer, verifier: tokens.verifier, revocations: tokens.revocations });
  const grants = [clients.grants.clientCredentials];
  // The JWKS publishes a key from the first start, before any token is signed.
  await tokens.keys.current();
  return {
    routes: [...tokens.routes, ...clients.routes(grants)],
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
