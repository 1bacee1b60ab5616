import type { Logger } from 'pino';
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
  /** Discovery, JWKS, authorize, token, introspection, revocation, launch, sign-in and admin endpoints. */
  readonly routes: readonly WebRoute[];
}

/** Composes the parts of the authorization server (see contracts.ts for the seams between them). */
export async function createAuthServer(_deps: AuthDeps): Promise<AuthServer> {
  const routes: WebRoute[] = [];
  return { routes };
}
