import type { CapabilityStatement } from '@medplum/fhirtypes';
import { buildCapabilityStatement } from '../conformance/capability-statement';
import type { FhirRouter, RouteHandler } from './router';
import type { ServerContext } from './server-context';

/**
 * GET metadata. The statement is built once per (context, router) on first use: routes are all registered
 * by then, and the definitions never change at run time.
 */
export function capabilitiesHandler(router: FhirRouter): RouteHandler {
  const cache = new WeakMap<ServerContext, CapabilityStatement>();
  return async (ctx) => {
    let statement = cache.get(ctx);
    if (!statement) {
      statement = buildCapabilityStatement(ctx.definitions, ctx.config, router.routes(), {
        date: ctx.clock.now().toISOString(),
        transactions: ctx.store.supportsTransactions,
        readOnlyTypes: ctx.store.readOnlyTypes,
      });
      cache.set(ctx, statement);
    }
    return { status: 200, headers: {}, body: statement };
  };
}
