import type { Resource } from '@medplum/fhirtypes';
import type { SearchRequest, SearchResult } from '../../fhir/search/search-request';
import type { FhirStore, HistoryPage, HistoryQuery, VersionRecord, WriteOptions } from '../store';
import { AsyncMutex } from './async-mutex';
import type { Repository, UndoStep } from './repository';

/**
 * The store as seen inside transaction(fn), usable only while fn runs.
 * - atomic (a MongoDB session transaction): reads see the transaction's own writes; a nested transaction
 *   has no savepoint in MongoDB, so its writes are recorded and undone inside the open transaction if its fn
 *   throws.
 * - not atomic (FerretDB, standalone mongod): each write is atomic on its own; see mongo-store.ts.
 */
export class MongoTransactionView implements FhirStore {
  readonly backend = 'mongo' as const;
  private active = true;
  private readonly nested = new AsyncMutex();

  constructor(
    private readonly repo: Repository,
    readonly supportsTransactions: boolean,
    private readonly undo: UndoStep[],
  ) {}

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

  transaction<T>(fn: (tx: FhirStore) => Promise<T>): Promise<T> {
    return this.nested.run(async () => {
      this.check();
      const steps: UndoStep[] = [];
      const inner = new MongoTransactionView(this.repo.withUndo(steps), this.supportsTransactions, steps);
      try {
        const result = await fn(inner);
        this.undo.push(...steps);
        return result;
      } catch (err) {
        if (this.supportsTransactions) await this.repo.revert(steps);
        else this.undo.push(...steps);
        throw err;
      } finally {
        inner.end();
      }
    });
  }

  async close(): Promise<void> {
    throw new Error('close() the store, not its transaction view');
  }

  private check(): void {
    if (!this.active) throw new Error('this transaction view is used after its transaction ended');
  }
}
