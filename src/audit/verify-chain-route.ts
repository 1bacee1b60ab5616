import type { Parameters, ParametersParameter } from '@medplum/fhirtypes';
import { operationRoute } from '../fhir/operations/operation-route';
import type { FhirRouter, RouteHandler } from '../fhir/rest/router';
import { verifyChain, type ChainVerification } from './verify-chain';

export const VERIFY_CHAIN_DEFINITION = 'https://lucarne.example/fhir/OperationDefinition/verify-chain';

/** The Parameters answer of $verify-chain (see ig/OperationDefinition-verify-chain.json). */
export function verificationParameters(verification: ChainVerification): Parameters {
  const parameter: ParametersParameter[] = [
    { name: 'result', valueBoolean: verification.result },
    { name: 'checked', valueInteger: verification.checked },
  ];
  const broken = verification.broken;
  if (broken) {
    const part: ParametersParameter[] = [{ name: 'sequence', valueInteger: broken.sequence }];
    if (broken.id !== undefined) part.push({ name: 'event', valueReference: { reference: `AuditEvent/${broken.id}` } });
    part.push({ name: 'reason', valueCode: broken.reason });
    parameter.push({ name: 'broken', part });
  }
  return { resourceType: 'Parameters', parameter };
}

export const verifyChainHandler: RouteHandler = async (ctx) => ({
  status: 200,
  headers: {},
  body: verificationParameters(await verifyChain(ctx.store)),
});

/** `AuditEvent/$verify-chain`, GET and POST. */
export function registerAuditRoutes(router: FhirRouter): void {
  const handler = operationRoute(VERIFY_CHAIN_DEFINITION, verifyChainHandler);
  for (const method of ['GET', 'POST'] as const) router.register(method, 'AuditEvent/$verify-chain', handler);
}
