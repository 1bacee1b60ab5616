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
 * The one access decision: the router asks it before running any route (each Bundle entry included), and
 * the HTTP fast paths ask it before touching the store. It allows by returning and refuses by throwing a
 * FhirError (401 without a usable caller, 403 when the caller may not). It is synchronous and must be cheap:
 * it runs on every request, the fastest reads included.
 */
export interface AccessPolicy {
  /** Whether this policy lets anyone do anything (the server then warns at every start). */
  readonly open: boolean;
  authorize(ctx: RequestContext, route: AccessRoute, params: RouteParams): void;
}

/** No authorization: every caller may do everything. The only policy until SMART on FHIR lands. */
export const OPEN_ACCESS: AccessPolicy = Object.freeze({
  open: true,
  authorize: () => undefined,
});
