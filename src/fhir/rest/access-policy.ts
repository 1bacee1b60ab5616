import type { FhirStore } from '../../store/store';
import type { Interaction } from './interaction';
import type { RequestContext } from './request-context';
import type { RouteMethod, RouteParams } from './router';

/** The route a request matched, as the access decision sees it. */
export interface AccessRoute {
  readonly method: RouteMethod;
  /** The route's pattern (see FhirRouter.register): `:type/:id`, `Patient/:id/$everything`, ''... */
  readonly pattern: string;
  readonly interaction: Interaction;
  /** `$name` of an operation route. */
  readonly operation?: string;
}

/**
 * What an allowed request may see of the data when that depends on the data (a patient/ token sees only its
 * patient's compartment): the route runs on `confine(store)` instead of the store (the server's or a
 * transaction view's), so that every read, search, include and write of the route goes through it.
 */
export interface Confinement {
  confine(store: FhirStore): FhirStore;
}

/**
 * The one access decision: the router asks it before running any route (each Bundle entry included), and
 * the HTTP fast paths ask it before touching the store. It allows by returning and refuses by throwing a
 * FhirError (401 without a usable caller, 403 when the caller may not). It is synchronous and must be cheap:
 * it runs on every request, the fastest reads included.
 */
export interface AccessPolicy {
  /** Whether this policy lets anyone do anything (the server then warns at every start). */
  readonly open: boolean;
  /** Allows by returning (a Confinement when what may be seen depends on the data), refuses by throwing. */
  authorize(ctx: RequestContext, route: AccessRoute, params: RouteParams): Confinement | void;
}

/** The store a route runs on: `store` as the decision confined it. */
export function confinedStore(store: FhirStore, confinement: Confinement | void): FhirStore {
  return confinement ? confinement.confine(store) : store;
}

/** No authorization: every caller may do everything. The only policy until SMART on FHIR lands. */
export const OPEN_ACCESS: AccessPolicy = Object.freeze({
  open: true,
  authorize: () => undefined,
});
