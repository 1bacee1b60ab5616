import type { Resource } from '@medplum/fhirtypes';
import { methodNotAllowed } from '../kernel/errors';
import type { SearchRequest, SearchResult } from '../fhir/search/search-request';
import type { ClaimHolder, ClaimsBackfill, FhirStore, HistoryPage, HistoryQuery, VersionRecord, WriteOptions } from '../store/store';

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

class AppendOnlyStore implements FhirStore {
  constructor(private readonly inner: FhirStore) {}

  get backend(): FhirStore['backend'] {
    return this.inner.backend;
  }

  get supportsTransactions(): boolean {
    return this.inner.supportsTransactions;
  }

  get readOnlyTypes(): ReadonlySet<string> {
    return new Set([...(this.inner.readOnlyTypes ?? []), ...AUDIT_TYPES]);
  }

  get claimsBackfill(): ClaimsBackfill | undefined {
    return this.inner.claimsBackfill;
  }

  create(resource: Resource & { id: string }, options?: WriteOptions): Promise<VersionRecord> {
    if (AUDIT_TYPES.has(resource.resourceType)) return Promise.reject(refusal('create'));
    return this.inner.create(resource, options);
  }

  update(resource: Resource & { id: string }, options?: WriteOptions): Promise<{ record: VersionRecord; created: boolean }> {
    if (AUDIT_TYPES.has(resource.resourceType)) return Promise.reject(refusal(options?.method === 'PATCH' ? 'patch' : 'update'));
    return this.inner.update(resource, options);
  }

  delete(resourceType: string, id: string, options?: WriteOptions): Promise<VersionRecord | undefined> {
    if (AUDIT_TYPES.has(resourceType)) return Promise.reject(refusal('delete'));
    return this.inner.delete(resourceType, id, options);
  }

  read(resourceType: string, id: string): Promise<VersionRecord | undefined> {
    return this.inner.read(resourceType, id);
  }

  vread(resourceType: string, id: string, versionId: string): Promise<VersionRecord | undefined> {
    return this.inner.vread(resourceType, id, versionId);
  }

  history(query: HistoryQuery): Promise<HistoryPage> {
    return this.inner.history(query);
  }

  search(request: SearchRequest): Promise<SearchResult> {
    return this.inner.search(request);
  }

  claimHolders(keys: readonly string[]): Promise<ClaimHolder[]> {
    return this.inner.claimHolders(keys);
  }

  transaction<T>(fn: (tx: FhirStore) => Promise<T>): Promise<T> {
    return this.inner.transaction((tx) => fn(new AppendOnlyStore(tx)));
  }

  ready(): Promise<void> {
    return this.inner.ready?.() ?? Promise.resolve();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
