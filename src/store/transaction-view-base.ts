import type { Resource } from '@medplum/fhirtypes';
import type { SearchRequest, SearchResult } from '../fhir/search/search-request';
import { AsyncMutex } from '../kernel/async-mutex';
import type { ClaimHolder, FhirStore, HistoryPage, HistoryQuery, VersionRecord, WriteOptions } from './store';

type Operation = 'create' | 'update' | 'delete' | 'read' | 'vread' | 'history' | 'search' | 'claimHolders';
type SyncOrAsync<F> = F extends (...args: infer A) => Promise<infer R> ? (...args: A) => R | Promise<R> : never;

/**
 * What a backend's repository does on the connection or session that holds an open transaction (synchronous
 * for SQLite, asynchronous for MongoDB).
 */
export type StoreOperations = { [K in Operation]: SyncOrAsync<FhirStore[K]> };

/**
 * The store as seen inside transaction(fn), for every backend: each operation goes to the repository bound to
 * the open transaction, and the view refuses to be used once its transaction has ended. Backends supply how a
 * nested transaction() is made undoable (a SAVEPOINT, recorded undo steps...).
 */
export abstract class TransactionViewBase implements FhirStore {
  abstract readonly backend: FhirStore['backend'];
  abstract readonly supportsTransactions: boolean;
  private active = true;
  /** Nested transactions of one view run one at a time, so they nest properly. */
  protected readonly nested = new AsyncMutex();

  protected constructor(protected readonly repo: StoreOperations) {}

  abstract transaction<T>(fn: (tx: FhirStore) => Promise<T>): Promise<T>;

  end(): void {
    this.active = false;
  }

  async create(resource: Resource & { id: string }, options?: WriteOptions): Promise<VersionRecord> {
    this.check();
    return this.repo.create(resource, options);
  }

  async update(resource: Resource & { id: string }, options?: WriteOptions): Promise<{ record: VersionRecord; created: boolean }> {
    this.check();
    return this.repo.update(resource, options);
  }

  async delete(resourceType: string, id: string, options?: WriteOptions): Promise<VersionRecord | undefined> {
    this.check();
    return this.repo.delete(resourceType, id, options);
  }

  async read(resourceType: string, id: string): Promise<VersionRecord | undefined> {
    this.check();
    return this.repo.read(resourceType, id);
  }

  async vread(resourceType: string, id: string, versionId: string): Promise<VersionRecord | undefined> {
    this.check();
    return this.repo.vread(resourceType, id, versionId);
  }

  async history(query: HistoryQuery): Promise<HistoryPage> {
    this.check();
    return this.repo.history(query);
  }

  async search(request: SearchRequest): Promise<SearchResult> {
    this.check();
    return this.repo.search(request);
  }

  async claimHolders(keys: readonly string[]): Promise<ClaimHolder[]> {
    this.check();
    return this.repo.claimHolders(keys);
  }

  async close(): Promise<void> {
    throw new Error('close() the store, not its transaction view');
  }

  protected check(): void {
    if (!this.active) throw new Error('this transaction view is used after its transaction ended');
  }
}
