import type { Resource } from '@medplum/fhirtypes';
import { methodNotAllowed } from '../kernel/errors';
import { DelegatingStore } from '../store/delegating-store';
import type { FhirStore, VersionRecord, WriteOptions } from '../store/store';

/** The types only the audit job writes (directly to the underlying store). */
export const AUDIT_TYPES: ReadonlySet<string> = new Set(['AuditEvent']);

const refusal = (what: string) =>
  methodNotAllowed(`AuditEvent is append-only: ${what} is not allowed through the API for anyone, administrators included (the server writes its own audit trail)`);

/**
 * The store of the API with AuditEvent read-only: every create, update (PATCH and conditional forms included,
 * they reach the store as updates), delete and Bundle entry of an AuditEvent answers 405 with an
 * OperationOutcome, whoever asks. 405 rather than 403 because no permission would allow it: the server does
 * not offer these interactions on the type (and says so: readOnlyTypes drops them from the
 * CapabilityStatement). Reads, searches and history pass through.
 */
export function appendOnlyAudit(store: FhirStore): FhirStore {
  return new AppendOnlyStore(store);
}

class AppendOnlyStore extends DelegatingStore {
  override readonly readOnlyTypes: ReadonlySet<string>;

  constructor(inner: FhirStore) {
    super(inner);
    this.readOnlyTypes = new Set([...(inner.readOnlyTypes ?? []), ...AUDIT_TYPES]);
  }

  protected wrap(store: FhirStore): FhirStore {
    return new AppendOnlyStore(store);
  }

  override create(resource: Resource & { id: string }, options?: WriteOptions): Promise<VersionRecord> {
    if (AUDIT_TYPES.has(resource.resourceType)) return Promise.reject(refusal('create'));
    return this.inner.create(resource, options);
  }

  override update(resource: Resource & { id: string }, options?: WriteOptions): Promise<{ record: VersionRecord; created: boolean }> {
    if (AUDIT_TYPES.has(resource.resourceType)) return Promise.reject(refusal(options?.method === 'PATCH' ? 'patch' : 'update'));
    return this.inner.update(resource, options);
  }

  override delete(resourceType: string, id: string, options?: WriteOptions): Promise<VersionRecord | undefined> {
    if (AUDIT_TYPES.has(resourceType)) return Promise.reject(refusal('delete'));
    return this.inner.delete(resourceType, id, options);
  }
}
