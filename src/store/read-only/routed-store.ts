import type { Resource } from '@medplum/fhirtypes';
import type { SearchRequest, SearchResult } from '../../fhir/search/search-request';
import type { ClaimHolder, FhirStore, HistoryPage, HistoryQuery, VersionRecord, WriteOptions } from '../store';

/**
 * A store that sends the resource types in `types` to `side` and every other type to `main`: how the
 * read-only conformance resources sit in front of the database. A search over both kinds of type (system
 * search) runs on `main` for its types only: one page cannot be drawn from two stores.
 * History without a type (system history) is `main`'s.
 */
export class RoutedStore implements FhirStore {
  readonly backend: FhirStore['backend'];
  readonly supportsTransactions: boolean;
  readonly ready?: () => Promise<void>;
  readonly readOnlyTypes?: ReadonlySet<string>;

  /** `readOnly`: whether `side` refuses every write (it is said in the CapabilityStatement). */
  constructor(
    private readonly main: FhirStore,
    private readonly side: FhirStore,
    private readonly types: ReadonlySet<string>,
    readOnly: boolean,
  ) {
    if (readOnly) this.readOnlyTypes = types;
    this.backend = main.backend;
    this.supportsTransactions = main.supportsTransactions;
    if (main.ready) this.ready = () => main.ready!();
  }

  create(resource: Resource & { id: string }, options?: WriteOptions): Promise<VersionRecord> {
    return this.storeOf(resource.resourceType).create(resource, options);
  }

  update(resource: Resource & { id: string }, options?: WriteOptions): Promise<{ record: VersionRecord; created: boolean }> {
    return this.storeOf(resource.resourceType).update(resource, options);
  }

  delete(resourceType: string, id: string, options?: WriteOptions): Promise<VersionRecord | undefined> {
    return this.storeOf(resourceType).delete(resourceType, id, options);
  }

  read(resourceType: string, id: string): Promise<VersionRecord | undefined> {
    return this.storeOf(resourceType).read(resourceType, id);
  }

  vread(resourceType: string, id: string, versionId: string): Promise<VersionRecord | undefined> {
    return this.storeOf(resourceType).vread(resourceType, id, versionId);
  }

  history(query: HistoryQuery): Promise<HistoryPage> {
    return query.resourceType !== undefined ? this.storeOf(query.resourceType).history(query) : this.main.history(query);
  }

  async search(request: SearchRequest): Promise<SearchResult> {
    const routed = request.resourceTypes.filter((t) => this.types.has(t));
    if (routed.length === 0) return this.main.search(request);
    if (routed.length === request.resourceTypes.length) return this.side.search(request);
    const others = request.resourceTypes.filter((t) => !this.types.has(t));
    const result = await this.main.search({ ...request, resourceTypes: others });
    // A search of every type (no _type) leaves them out silently; one that named some of them is told why.
    if (routed.length < this.types.size) {
      const note = `${routed.join(', ')} cannot be searched together with other types: search them on their own`;
      return { ...result, warnings: [...(result.warnings ?? []), note] };
    }
    return result;
  }

  /** Claims are the database's: the routed types are read-only and claim nothing. */
  claimHolders(keys: readonly string[]): Promise<ClaimHolder[]> {
    return this.main.claimHolders(keys);
  }

  transaction<T>(fn: (tx: FhirStore) => Promise<T>): Promise<T> {
    return this.main.transaction((tx) => fn(new RoutedStore(tx, this.side, this.types, this.readOnlyTypes !== undefined)));
  }

  async close(): Promise<void> {
    await Promise.all([this.main.close(), this.side.close()]);
  }

  private storeOf(resourceType: string): FhirStore {
    return this.types.has(resourceType) ? this.side : this.main;
  }
}
