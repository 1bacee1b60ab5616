import type { Bundle } from '@medplum/fhirtypes';
import { badRequest } from '../../kernel/errors';
import type { FhirRequest, FhirResponse } from '../rest/fhir-request';
import type { RequestContext } from '../rest/request-context';
import type { FhirRouter, RouteDefinition } from '../rest/router';
import { planBundle } from './bundle-plan';
import { runBatch } from './batch-runner';
import { runTransaction } from './transaction-runner';

/** `POST [base]` with a batch or transaction Bundle; each entry is decided and run through `router`. */
export async function processBundle(ctx: RequestContext, request: FhirRequest, router: FhirRouter): Promise<FhirResponse> {
  if (ctx.depth > 0) throw badRequest('A batch or transaction cannot be nested inside a batch or transaction');
  const plan = planBundle(request.body, ctx.config.baseUrl, request.headers['prefer'], ctx.config.maxBundleEntries);
  const body: Bundle = plan.type === 'transaction' ? await runTransaction(ctx, plan, router) : await runBatch(ctx, plan, router);
  return { status: 200, headers: {}, body };
}

/** The route to register on the FHIR router: `router.register(r.method, r.pattern, r.handler)`. */
export function bundleRoute(router: FhirRouter): RouteDefinition {
  return { method: 'POST', pattern: '', handler: (ctx, request) => processBundle(ctx, request, router) };
}
