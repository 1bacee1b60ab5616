import type { FhirRequest, FhirResponse } from './fhir-request';
import type { RequestContext } from './request-context';

/**
 * Runs one FHIR request through the router: what Bundle runners dispatch their entries with, each entry
 * under its own context (entryContext: the transaction view as store, one level deeper).
 */
export type FhirHandler = (ctx: RequestContext, request: FhirRequest) => Promise<FhirResponse>;
