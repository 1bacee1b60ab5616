import type { Bundle } from '@medplum/fhirtypes';
import { badRequest } from '../../kernel/errors';
import type { FhirRequest, FhirResponse } from '../rest/fhir-request';
import type { FhirRouter, RouteDefinition } from '../rest/router';
import type { ServerContext } from '../rest/server-context';
import type { FhirStore } from '../../store/store';
import { planBundle } from './bundle-plan';
import { runBatch } from './batch-runner';
import { runTransaction } from './transaction-runner';

/** `POST [base]` with a batch or transaction Bundle; entries are dispatched through `router`. */
export async function processBundle(ctx: ServerContext, request: FhirRequest, store: FhirStore, router: FhirRouter): Promise<FhirResponse> {
  if (store !== ctx.store) throw badRequest('A batch or transaction cannot be nested inside a transaction');
  const plan = planBundle(request.body, ctx.config.baseUrl, request.headers['prefer'], ctx.config.maxBundleEntries);
  const dispatch = (c: ServerContext, r: FhirRequest, s: FhirStore) => router.handle(c, r, s);
  const body: Bundle = plan.type === 'transaction' ? await runTransaction(ctx, plan, dispatch) : await runBatch(ctx, plan, dispatch);
  return { status: 200, headers: {}, body };
}

/** The route to register on the FHIR router: `router.register(r.method, r.pattern, r.handler)`. */
export function bundleRoute(router: FhirRouter): RouteDefinition {
  return { method: 'POST', pattern: '', handler: (ctx, request, store) => processBundle(ctx, request, store, router) };
}
