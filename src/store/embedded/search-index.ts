import type Database from 'better-sqlite3';
import type { Resource } from '@medplum/fhirtypes';
import type { IndexRows } from './search/index-writer';
import type { SearchCursor, SearchRequest } from '../../fhir/search/search-request';

/**
 * The contract between the embedded store (resources and versions) and its search index (derived rows).
 *
 * The store owns the table
 *   resources(rid INTEGER PRIMARY KEY, type TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL,
 *             last_updated INTEGER NOT NULL -- epoch ms
 *             , deleted INTEGER NOT NULL, content TEXT, UNIQUE(type, id))
 * holding the current version of every logical resource; `rid` is a stable integer key for (type, id).
 * The index owns every other table whose name starts with `idx_`, keyed by rid.
 * The store calls write/remove inside the same database transaction as the resource change.
 */
export interface EmbeddedSearchIndex {
  /** Creates the index tables and indexes if missing (idempotent). */
  migrate(db: Database.Database): void;
  /** The index rows of a resource: no database, so it runs wherever a write is prepared. */
  indexRows(resource: Resource): IndexRows;
  /** Replaces every index row of `rid` by `rows` (from indexRows()). */
  write(db: Database.Database, rid: number, resourceType: string, rows: IndexRows): void;
  /** Removes every index row of `rid` (the resource was deleted). */
  remove(db: Database.Database, rid: number): void;
  /** The rids of current, non-deleted resources matching the request, for the requested page, in order. */
  search(db: Database.Database, request: SearchRequest): EmbeddedSearchPage;
  /**
   * Must be called after every rollback on `db` (ROLLBACK, ROLLBACK TO a savepoint, and the implicit ones of a
   * better-sqlite3 transaction function that throws), before the connection is used again. The index caches
   * rows it wrote itself (the ids of idx_param) per connection; a rollback can undo them, and SQLite may then
   * hand the same id to another parameter. Cheap: it only forgets, the next write or search reads them again.
   */
  afterRollback(db: Database.Database): void;
}

export interface EmbeddedSearchPage {
  rids: number[];
  total?: number;
  hasMore: boolean;
  /** Rids added by _include/_revinclude (not in `rids`), to load like the page's. */
  included?: number[];
  /** Passed on as SearchResult.warnings. */
  warnings?: string[];
  /** Keyset cursors of the neighbouring pages (SearchResult.next/previous). */
  next?: SearchCursor;
  previous?: SearchCursor;
}
