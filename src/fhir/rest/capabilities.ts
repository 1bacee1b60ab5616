import type { CapabilityStatement } from '@medplum/fhirtypes';
import { buildCapabilityStatement } from '../conformance/capability-statement';
import type { FhirRouter, RouteHandler } from './router';
import type { LucarneConfig } from '../../config/config';

/**
 * GET metadata. The statement is built once per (server, router) on first use: routes are all registered
 * by then, and the definitions never change at run time. A server is known by its configuration object,
 * since each request has a context of its own.
 */
export function capabilitiesHandler(router: FhirRouter): RouteHandler {
  const cache = new WeakMap<LucarneConfig, CapabilityStatement>();
  return async (ctx) => {
    let statement = cache.get(ctx.config);
    if (!statement) {
      statement = buildCapabilityStatement(ctx.definitions, ctx.config, router.routes(), {
        date: ctx.clock.now().toISOString(),
        transactions: ctx.store.supportsTransactions,
        readOnlyTypes: ctx.store.readOnlyTypes,
        ...(ctx.security ? { security: ctx.security } : {}),
      });
      cache.set(ctx.config, statement);
    }
    return { status: 200, headers: {}, body: statement };
  };
}
