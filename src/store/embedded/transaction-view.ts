import type Database from 'better-sqlite3';
import type { Resource } from '@medplum/fhirtypes';
import type { SearchRequest, SearchResult } from '../../fhir/search/search-request';
import type { FhirStore, HistoryPage, HistoryQuery, VersionRecord, WriteOptions } from '../store';
import { AsyncMutex } from './async-mutex';
import type { ResourceRepository } from './resource-repository';

let savepointCounter = 0;

/**
 * The store as seen inside transaction(fn): reads and writes go to the writer connection, which holds the
 * open transaction, so reads see the transaction's own writes. Usable only while fn runs. A nested
 * transaction() is a SAVEPOINT: its writes are undone if its fn throws, and kept (pending the outer
 * COMMIT) if it resolves.
 */
export class TransactionView implements FhirStore {
  readonly backend: FhirStore['backend'];
  readonly supportsTransactions = true;
  private active = true;
  /** Nested transactions of this view run one at a time, so their savepoints nest properly. */
  private readonly nested = new AsyncMutex();

  constructor(
    private readonly db: Database.Database,
    private readonly repo: ResourceRepository,
    owner: FhirStore,
  ) {
    this.backend = owner.backend;
  }

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
      const name = `lucarne_tx_${++savepointCounter}`;
      this.db.exec(`SAVEPOINT ${name}`);
      const inner = new TransactionView(this.db, this.repo, this);
      try {
        const result = await fn(inner);
        this.db.exec(`RELEASE ${name}`);
        return result;
      } catch (err) {
        if (this.db.inTransaction) {
          this.db.exec(`ROLLBACK TO ${name}`);
          this.db.exec(`RELEASE ${name}`);
        }
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
