import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { SearchRequest, SearchResult } from '../../fhir/search/search-request';
import type { ClaimHolder, HistoryPage, HistoryQuery, VersionRecord, WriteOptions } from '../store';
import type { PreparedResource } from './prepared-resource';
import { ResourceRepository } from './resource-repository';
import { migrate } from './schema';
import type { EmbeddedSearchIndex } from './search-index';
import { WalSync } from './wal-sync';
import { markAborted } from './writer';

/**
 * How a commit reaches the disk.
 * - 'full' (default): each commit is fsynced (WalSync) before it is acknowledged, so an acknowledged write
 *   survives kill -9, an OS crash and a power cut. Costs one fsync per group of commits.
 * - 'normal': synchronous=NORMAL. In WAL mode a commit is written to the OS before it returns (so it survives
 *   kill -9 of the process) but fsynced only at checkpoints: a power cut may lose the last commits (never
 *   corrupt the file). For bulk loads where the source can be replayed.
 */
export type Durability = 'full' | 'normal';

/** What it takes to open the writer connection; plain data, so a worker thread can receive it. */
export interface WriterSettings {
  file: string;
  durability?: Durability;
  /** How long a write waits for another process holding the database's write lock (default 5000 ms). */
  busyTimeoutMs?: number;
}

const WRITER_CACHE_KIB = 64 * 1024;
const PAGE_SIZE = 8192;
const BACKSTOP_CHECKPOINT_PAGES = 16_384;

/**
 * The store's single writer connection and every operation on it, synchronous. It lives wherever the
 * writes run: on the event loop (InProcessWriter) or in a worker thread (writer-worker.ts).
 *
 * Each operation runs inside the open SQLite transaction, begun (BEGIN IMMEDIATE) by the first operation
 * after a COMMIT. A write that fails after changing rows (see ResourceRepository.unguarded) cannot be undone
 * on its own: the whole transaction is rolled back at once and the error is marked (markAborted), so the
 * store fails every write that was waiting for that transaction's COMMIT.
 */
export class WriterConnection {
  readonly db: Database.Database;
  /** Schema versions applied when the connection opened. */
  readonly applied: number[];
  private readonly repo: ResourceRepository;
  private readonly begin: Database.Statement;
  private readonly commitStatement: Database.Statement;
  private readonly rollbackStatement: Database.Statement;
  /** The `now` of the write in progress: the store's clock reading, passed with each write. */
  private now = 0;
  /** Set when a failure rolled the whole transaction back: later calls fail until rollback() or commit(). */
  private abortedBy?: unknown;
  private readonly walSync?: WalSync;

  constructor(settings: WriterSettings, private readonly index: EmbeddedSearchIndex) {
    mkdirSync(dirname(settings.file), { recursive: true });
    this.db = new Database(settings.file);
    try {
      this.db.pragma(`busy_timeout = ${settings.busyTimeoutMs ?? 5000}`);
      // For a new database only (an existing one keeps its size). Measured on ingest: 8 KiB pages cut the
      // WAL frames a transaction Bundle writes at COMMIT (one write per frame) and gave ~6 % more resources/s.
      this.db.pragma(`page_size = ${PAGE_SIZE}`);
      this.db.pragma('journal_mode = WAL');
      // NORMAL in both modes: 'full' adds its own flush after each COMMIT (WalSync), off this thread.
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('foreign_keys = ON');
      // Bundles touch many index pages: a larger page cache keeps them from spilling mid-transaction.
      this.db.pragma(`cache_size = -${WRITER_CACHE_KIB}`);
      // Checkpoints run in the background (WalCheckpointer); this is only the backstop.
      this.db.pragma(`wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
      this.applied = migrate(this.db, () => Date.now());
      index.migrate(this.db);
    } catch (err) {
      this.db.close();
      throw err;
    }
    if (settings.durability !== 'normal') this.walSync = new WalSync(`${settings.file}-wal`);
    this.repo = new ResourceRepository(this.db, index, { now: () => new Date(this.now) }, true);
    this.begin = this.db.prepare('BEGIN IMMEDIATE');
    this.commitStatement = this.db.prepare('COMMIT');
    this.rollbackStatement = this.db.prepare('ROLLBACK');
  }

  create(resource: PreparedResource, options: WriteOptions, now: number): VersionRecord {
    return this.write(now, () => this.repo.create(resource, options));
  }

  update(resource: PreparedResource, options: WriteOptions, now: number): { record: VersionRecord; created: boolean } {
    return this.write(now, () => this.repo.update(resource, options));
  }

  delete(resourceType: string, id: string, options: WriteOptions, now: number): VersionRecord | undefined {
    return this.write(now, () => this.repo.delete(resourceType, id, options));
  }

  read(resourceType: string, id: string): VersionRecord | undefined {
    this.enter();
    return this.repo.read(resourceType, id);
  }

  vread(resourceType: string, id: string, versionId: string): VersionRecord | undefined {
    this.enter();
    return this.repo.vread(resourceType, id, versionId);
  }

  history(query: HistoryQuery): HistoryPage {
    this.enter();
    return this.repo.history(query);
  }

  search(request: SearchRequest): SearchResult {
    this.enter();
    return this.repo.search(request);
  }

  claimHolders(keys: readonly string[]): ClaimHolder[] {
    this.enter();
    return this.repo.claimHolders(keys);
  }

  addClaims(resourceType: string, id: string, keys: readonly string[], now: number): ClaimHolder[] {
    return this.write(now, () => this.repo.addClaims(resourceType, id, keys));
  }

  markBackfillDone(name: string, now: number): void {
    this.write(now, () => this.repo.markBackfillDone(name));
  }

  savepoint(name: string): void {
    this.enter();
    this.db.exec(`SAVEPOINT ${savepointName(name)}`);
  }

  release(name: string): void {
    if (this.abortedBy === undefined && this.db.inTransaction) this.db.exec(`RELEASE ${savepointName(name)}`);
  }

  rollbackTo(name: string): void {
    if (this.abortedBy !== undefined || !this.db.inTransaction) return;
    this.db.exec(`ROLLBACK TO ${savepointName(name)}`);
    this.db.exec(`RELEASE ${savepointName(name)}`);
    this.index.afterRollback?.(this.db);
  }

  /** Undoes the open transaction, and ends the aborted state. */
  rollback(): void {
    this.abortedBy = undefined;
    if (this.db.inTransaction) this.rollbackStatement.run();
    this.index.afterRollback(this.db);
  }

  /**
   * Commits at once; resolves once the commit is durable (true), or with false when there was nothing to
   * commit: no open transaction, or it was aborted (that state then ends).
   */
  async commit(): Promise<boolean> {
    if (this.abortedBy !== undefined || !this.db.inTransaction) {
      this.abortedBy = undefined;
      return false;
    }
    try {
      this.commitStatement.run();
    } catch (err) {
      this.rollback();
      throw err;
    }
    await this.walSync?.sync();
    return true;
  }

  close(): void {
    this.rollback();
    this.walSync?.close();
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.db.close();
  }

  private enter(): void {
    if (this.abortedBy !== undefined) {
      const error = new Error('the store transaction was aborted by an earlier failure; nothing of it was saved');
      markAborted(error);
      throw error;
    }
    if (!this.db.inTransaction) this.begin.run();
  }

  /** Rolls the whole transaction back after a failure that left it half-changed; calls fail until acknowledged. */
  private abort(error: unknown): void {
    if (this.db.inTransaction) this.rollbackStatement.run();
    this.index.afterRollback(this.db);
    this.abortedBy = error;
    markAborted(error);
  }

  private write<T>(now: number, fn: () => T): T {
    this.enter();
    this.now = now;
    let result: T;
    try {
      result = fn();
    } catch (err) {
      // SQLite may have aborted the transaction itself (e.g. a full disk); a half-done write poisons it.
      if (this.repo.takePoison() || !this.db.inTransaction) this.abort(err);
      throw err;
    }
    const poison = this.repo.takePoison();
    if (poison) {
      this.abort(poison.error);
      throw poison.error;
    }
    return result;
  }
}

/** Savepoint names come from the store's own code; this keeps them to identifiers anyway. */
function savepointName(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`invalid savepoint name ${name}`);
  return name;
}
