import type { Resource } from '@medplum/fhirtypes';
import type { SearchRequest, SearchResult } from '../fhir/search/search-request';
import type { ClaimHolder, FhirStore, HistoryPage, HistoryQuery, VersionRecord, WriteOptions } from './store';

/**
 * A store that forwards every call to `inner`: the base of the per-request views that watch or confine
 * what a request reaches (they override the calls they care about). A transaction's view is wrapped by
 * `wrap`, so the view a route gets inside a transaction is watched or confined the same way.
 */
export abstract class DelegatingStore implements FhirStore {
  readonly backend: FhirStore['backend'];
  readonly supportsTransactions: boolean;
  readonly readOnlyTypes?: ReadonlySet<string>;

  constructor(protected readonly inner: FhirStore) {
    this.backend = inner.backend;
    this.supportsTransactions = inner.supportsTransactions;
    if (inner.readOnlyTypes) this.readOnlyTypes = inner.readOnlyTypes;
  }

  /** The same view over another store (a transaction's). */
  protected abstract wrap(store: FhirStore): FhirStore;

  create(resource: Resource & { id: string }, options?: WriteOptions): Promise<VersionRecord> {
    return this.inner.create(resource, options);
  }

  update(resource: Resource & { id: string }, options?: WriteOptions): Promise<{ record: VersionRecord; created: boolean }> {
    return this.inner.update(resource, options);
  }

  delete(resourceType: string, id: string, options?: WriteOptions): Promise<VersionRecord | undefined> {
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
    return this.inner.transaction((tx) => fn(this.wrap(tx)));
  }

  get claimsBackfill(): FhirStore['claimsBackfill'] {
    return this.inner.claimsBackfill;
  }

  ready(): Promise<void> {
    return this.inner.ready ? this.inner.ready() : Promise.resolve();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
