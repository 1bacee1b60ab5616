import type { FhirStore } from '../../store/store';
import type { FhirRequest, FhirResponse } from './fhir-request';
import type { ServerContext } from './server-context';

/**
 * Handles one FHIR interaction. `store` is the store to use: ctx.store normally, or a transaction view when
 * the request is an entry of a transaction Bundle (so every entry writes into the same database transaction).
 */
export type FhirHandler = (ctx: ServerContext, request: FhirRequest, store: FhirStore) => Promise<FhirResponse>;
