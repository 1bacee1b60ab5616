import type { AccessPolicy, AccessRoute, Confinement } from '../../src/fhir/rest/access-policy';
import { ANONYMOUS_CALLER, type Caller } from '../../src/fhir/rest/caller';
import type { RequestContext } from '../../src/fhir/rest/request-context';
import type { RouteParams } from '../../src/fhir/rest/router';

/**
 * A policy that decides as `inner` would for `caller` instead of the request's own (anonymous, as there are
 * no tokens yet). Tests set `caller` before each request; nothing in the product reads a caller this way.
 */
export class AsTestCaller implements AccessPolicy {
  readonly open: boolean;
  caller: Caller = ANONYMOUS_CALLER;

  constructor(private readonly inner: AccessPolicy) {
    this.open = inner.open;
  }

  authorize(ctx: RequestContext, route: AccessRoute, params: RouteParams): Confinement | void {
    return this.inner.authorize({ ...ctx, caller: this.caller }, route, params);
  }
}

export function testCaller(scopes: string, patient?: string): Caller {
  return { scopes: scopes.split(' ').filter((s) => s !== ''), purposeOfUse: [], ...(patient ? { patient } : {}) };
}
