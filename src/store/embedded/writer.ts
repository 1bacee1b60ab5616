import type { SearchRequest, SearchResult } from '../../fhir/search/search-request';
import type { ClaimHolder, HistoryPage, HistoryQuery, VersionRecord, WriteOptions } from '../store';
import type { PreparedResource } from './prepared-resource';

/**
 * The store's writer connection as the store sees it: every call is asynchronous, whether the connection
 * lives on the event loop (InProcessWriter) or in a worker thread (ThreadWriter). Calls run in the order
 * they are made, each inside the connection's open SQLite transaction, which the first call after a COMMIT
 * begins. `now` (epoch ms) is the store clock's reading for the version's meta.lastUpdated.
 */
export interface Writer {
  create(resource: PreparedResource, options: WriteOptions, now: number): Promise<VersionRecord>;
  update(resource: PreparedResource, options: WriteOptions, now: number): Promise<{ record: VersionRecord; created: boolean }>;
  delete(resourceType: string, id: string, options: WriteOptions, now: number): Promise<VersionRecord | undefined>;
  /** Reads on the writer connection, so they see the open transaction's own writes. */
  read(resourceType: string, id: string): Promise<VersionRecord | undefined>;
  vread(resourceType: string, id: string, versionId: string): Promise<VersionRecord | undefined>;
  history(query: HistoryQuery): Promise<HistoryPage>;
  search(request: SearchRequest): Promise<SearchResult>;
  claimHolders(keys: readonly string[]): Promise<ClaimHolder[]>;
  addClaims(resourceType: string, id: string, keys: readonly string[], now: number): Promise<ClaimHolder[]>;
  markBackfillDone(name: string, now: number): Promise<void>;
  savepoint(name: string): Promise<void>;
  release(name: string): Promise<void>;
  /** Undoes everything since the savepoint and releases it (nothing when the transaction was aborted). */
  rollbackTo(name: string): Promise<void>;
  rollback(): Promise<void>;
  /** Commits the open transaction; false when there was none (it was aborted and rolled back). */
  commit(): Promise<boolean>;
  /** Checkpoints the WAL into the database file and closes the connection. */
  close(): Promise<void>;
  /** Why the writer can take no more calls (its thread stopped), if so. */
  failure?(): Error | undefined;
}

const ABORTED = Symbol('lucarne.transactionAborted');

/**
 * Marks an error after which the writer rolled back its whole SQLite transaction (a write failed half-way,
 * or SQLite aborted it): every write waiting for that transaction's COMMIT is lost and must fail.
 */
export function markAborted(error: unknown): void {
  if (typeof error === 'object' && error !== null) Object.defineProperty(error, ABORTED, { value: true });
}

export function isAborted(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { [ABORTED]?: boolean })[ABORTED] === true;
}
