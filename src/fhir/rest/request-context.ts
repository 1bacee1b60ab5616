import type { FhirStore } from '../../store/store';
import type { Caller } from './caller';
import type { ServerContext } from './server-context';

/**
 * What one request is served with: the server's context plus who asks, the store to use and where the
 * request sits. It is opened once per request by whoever receives it (the HTTP layer, app.handle; jobs and
 * the CLI later), handed to the router, and reaches a route only after the access policy allowed it.
 */
export interface RequestContext extends ServerContext {
  /** The store this request uses: the server's, or the transaction view of the Bundle it is an entry of. */
  readonly store: FhirStore;
  readonly caller: Caller;
  /** The X-Request-Id of the request this context belongs to (a Bundle's entries share their Bundle's). */
  readonly requestId: string;
  /** 0 for a request as received; 1 for an entry of a batch or transaction Bundle. */
  readonly depth: number;
  /** The client's network address, for the audit. */
  readonly remoteAddress?: string;
  /** Audit records of this request (and its Bundle entries) on their way to durability; see audit-request.ts. */
  readonly audits: Promise<void>[];
}

/** The context of a request as received, on the server's store. */
export function openRequestContext(server: ServerContext, caller: Caller, requestId: string, remoteAddress?: string): RequestContext {
  return { ...server, store: server.store, caller, requestId, depth: 0, audits: [], ...(remoteAddress ? { remoteAddress } : {}) };
}

/** The context of an entry of a Bundle: the same caller and request id, one level deeper, on `store`. */
export function entryContext(bundle: RequestContext, store: FhirStore = bundle.store): RequestContext {
  return { ...bundle, store, depth: bundle.depth + 1 };
}
