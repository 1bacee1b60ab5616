import type { FhirRouter } from '../rest/router';
import { patchRoutes } from '../rest/patch';
import { validateRoutes } from '../rest/validate';
import { bundleRoute } from './bundle-routes';

/**
 * Registers `POST [base]` (batch/transaction), PATCH (JSON Patch, FHIRPath Patch, conditional) and $validate
 * on a router built by createFhirRouter(). Bundle entries are dispatched back through the same router.
 */
export function registerBundlePatchValidate(router: FhirRouter): void {
  for (const route of [...patchRoutes, ...validateRoutes, bundleRoute(router)]) router.register(route.method, route.pattern, route.handler);
}
