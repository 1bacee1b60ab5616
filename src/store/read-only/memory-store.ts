import Database from 'better-sqlite3';
import type { Resource } from '@medplum/fhirtypes';
import type { SearchRequest, SearchResult } from '../../fhir/search/search-request';
import { FhirError, issue } from '../../kernel/errors';
import { prepareResource } from '../embedded/prepared-resource';
import { ResourceRepository } from '../embedded/resource-repository';
import { migrate } from '../embedded/schema';
import type { EmbeddedSearchIndex } from '../embedded/search-index';
import type { ClaimHolder, FhirStore, HistoryPage, HistoryQuery, VersionRecord } from '../store';

/**
 * A FhirStore over an in-memory SQLite database, filled once at start-up and read-only afterwards: every
 * write answers 405. It uses the embedded store's schema, index and queries, so read, search (every
 * parameter, _sort, paging, _include, _total) and history behave exactly as on the embedded store.
 */
export class ReadOnlyMemoryStore implements FhirStore {
  readonly backend = 'embedded' as const;
  readonly supportsTransactions = true;
  private db?: Database.Database;
  private loaded?: ResourceRepository;

  /**
   * `load` gives the resources (each with an id; a later one with the same type and id as an earlier one is
   * skipped). It is called on first use, so start-up does not pay for indexing them.
   */
  constructor(
    private readonly load: () => readonly (Resource & { id: string })[],
    private readonly index: EmbeddedSearchIndex,
    private readonly loadedAt: Date,
    private readonly refusal: (resourceType: string) => string,
  ) {}

  create(resource: Resource): Promise<VersionRecord> {
    return Promise.reject(this.refuse(resource.resourceType));
  }

  update(resource: Resource): Promise<{ record: VersionRecord; created: boolean }> {
    return Promise.reject(this.refuse(resource.resourceType));
  }

  delete(resourceType: string): Promise<VersionRecord | undefined> {
    return Promise.reject(this.refuse(resourceType));
  }

  async read(resourceType: string, id: string): Promise<VersionRecord | undefined> {
    return this.repo().read(resourceType, id);
  }

  async vread(resourceType: string, id: string, versionId: string): Promise<VersionRecord | undefined> {
    return this.repo().vread(resourceType, id, versionId);
  }

  async history(query: HistoryQuery): Promise<HistoryPage> {
    return this.repo().history(query);
  }

  async search(request: SearchRequest): Promise<SearchResult> {
    return this.repo().search(request);
  }

  /** Nothing can be written, so the store itself is a consistent view. */
  /** Nothing is written here, so nothing is claimed. */
  async claimHolders(): Promise<ClaimHolder[]> {
    return [];
  }

  transaction<T>(fn: (tx: FhirStore) => Promise<T>): Promise<T> {
    return fn(this);
  }

  async close(): Promise<void> {
    if (this.db?.open) this.db.close();
  }

  private repo(): ResourceRepository {
    if (this.loaded) return this.loaded;
    const db = (this.db = new Database(':memory:'));
    migrate(db, () => this.loadedAt.getTime());
    this.index.migrate(db);
    const repo = new ResourceRepository(db, this.index, { now: () => this.loadedAt }, true);
    const seen = new Set<string>();
    db.transaction(() => {
      for (const resource of this.load()) {
        const key = `${resource.resourceType}/${resource.id}`;
        if (seen.has(key)) continue;
        seen.add(key);
        repo.create(prepareResource(resource, this.index.indexRows));
      }
    })();
    return (this.loaded = repo);
  }

  private refuse(resourceType: string): FhirError {
    return new FhirError(405, [issue('not-supported', this.refusal(resourceType))], { Allow: 'GET, HEAD' });
  }
}
