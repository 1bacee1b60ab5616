import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Resource } from '@medplum/fhirtypes';
import { monotonicClock, type Clock } from '../../kernel/clock';
import type { SearchRequest, SearchResult } from '../../fhir/search/search-request';
import type { FhirStore, HistoryPage, HistoryQuery, VersionRecord, WriteOptions } from '../store';
import { AsyncMutex } from '../../kernel/async-mutex';
import { ResourceRepository } from './resource-repository';
import { migrate } from './schema';
import type { EmbeddedSearchIndex } from './search-index';
import { TransactionView } from './transaction-view';
import { WalCheckpointer } from './wal-checkpointer';

/** The few logger methods the store uses (a pino Logger fits). */
export interface StoreLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/**
 * How a commit reaches the disk.
 * - 'full' (default): SQLite synchronous=FULL. Each commit fsyncs the WAL before it returns, so an
 *   acknowledged write survives kill -9, an OS crash and a power cut. Costs one fsync per transaction.
 * - 'normal': synchronous=NORMAL. In WAL mode a commit is written to the OS before it returns (so it survives
 *   kill -9 of the process) but fsynced only at checkpoints: a power cut may lose the last commits (never
 *   corrupt the file). For bulk loads where the source can be replayed.
 */
export type Durability = 'full' | 'normal';

export interface EmbeddedStoreOptions {
  /** Folder of the database; created if missing. The file is `<dataDir>/lucarne.sqlite`. */
  dataDir: string;
  index: EmbeddedSearchIndex;
  /** Source of meta.lastUpdated; defaults to a monotonic system clock. */
  clock?: Clock;
  logger?: StoreLogger;
  durability?: Durability;
  /** How long a write waits for another process holding the database's write lock (default 5000 ms). */
  busyTimeoutMs?: number;
}

export const databaseFileName = 'lucarne.sqlite';
const WRITER_CACHE_KIB = 64 * 1024;
const BACKSTOP_CHECKPOINT_PAGES = 16_384;
/** Most writes acknowledged by one COMMIT. */
const MAX_GROUP = 8;
/**
 * Event-loop turns a finished write waits for another write to queue before committing alone. A request
 * needs a few turns (socket chunks, body end) to reach the store. Measured with 4 ingest clients: 1 turn
 * formed groups of 1.8 writes, 4 turns groups of 4 and ~15 % more resources/s; an idle turn costs microseconds.
 */
const WAIT_TURNS = 4;

/**
 * The FhirStore over SQLite. One writer connection, guarded by an async mutex so that transaction(fn) is
 * exclusive across its awaits; one read-only connection for reads outside a transaction, which therefore
 * only ever see committed data. Across processes, BEGIN IMMEDIATE and busy_timeout serialise writers.
 */
export class EmbeddedStore implements FhirStore {
  readonly backend = 'embedded' as const;
  readonly supportsTransactions = true;
  readonly file: string;

  private readonly writer: Database.Database;
  private readonly reader: Database.Database;
  private readonly writeRepo: ResourceRepository;
  private readonly readRepo: ResourceRepository;
  private readonly mutex = new AsyncMutex();
  private readonly begin: Database.Statement;
  private readonly commit: Database.Statement;
  private readonly rollback: Database.Statement;
  private readonly savepoint: Database.Statement;
  private readonly release: Database.Statement;
  private readonly rollbackTo: Database.Statement;
  /** Writes waiting for the mutex. */
  private queued = 0;
  /** Finished writes of the open SQLite transaction, acknowledged at its COMMIT. */
  private group: { resolve: () => void; reject: (err: unknown) => void }[] = [];
  private commits = 0;
  private groupedWrites = 0;
  /** Marks the async context of a running transaction(fn), to turn a self-deadlock into an error. */
  private readonly insideTransaction = new AsyncLocalStorage<{ active: boolean }>();
  private closed = false;
  private readonly checkpointer: WalCheckpointer;

  constructor(options: EmbeddedStoreOptions) {
    mkdirSync(options.dataDir, { recursive: true });
    this.file = join(options.dataDir, databaseFileName);
    const clock = options.clock ?? monotonicClock();
    const busyTimeout = options.busyTimeoutMs ?? 5000;
    this.writer = new Database(this.file);
    try {
      this.writer.pragma(`busy_timeout = ${busyTimeout}`);
      this.writer.pragma('journal_mode = WAL');
      this.writer.pragma(`synchronous = ${options.durability === 'normal' ? 'NORMAL' : 'FULL'}`);
      this.writer.pragma('foreign_keys = ON');
      // Bundles touch many index pages: a larger page cache keeps them from spilling mid-transaction.
      this.writer.pragma(`cache_size = -${WRITER_CACHE_KIB}`);
      // Checkpoints run in the background (WalCheckpointer); this is only the backstop.
      this.writer.pragma(`wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
      const applied = migrate(this.writer, () => clock.now().getTime());
      options.index.migrate(this.writer);
      if (applied.length > 0) options.logger?.info({ file: this.file, applied }, 'store schema migrated');
      this.reader = new Database(this.file, { readonly: true });
      this.reader.pragma(`busy_timeout = ${busyTimeout}`);
    } catch (err) {
      this.writer.close();
      throw err;
    }
    this.writeRepo = new ResourceRepository(this.writer, options.index, clock, true);
    this.readRepo = new ResourceRepository(this.reader, options.index, clock, false);
    this.checkpointer = new WalCheckpointer(this.file, options.durability === 'normal' ? 'NORMAL' : 'FULL');
    this.begin = this.writer.prepare('BEGIN IMMEDIATE');
    this.commit = this.writer.prepare('COMMIT');
    this.rollback = this.writer.prepare('ROLLBACK');
    this.savepoint = this.writer.prepare('SAVEPOINT lucarne_write');
    this.release = this.writer.prepare('RELEASE lucarne_write');
    this.rollbackTo = this.writer.prepare('ROLLBACK TO lucarne_write');
  }

  create(resource: Resource & { id: string }, options?: WriteOptions): Promise<VersionRecord> {
    return this.write(() => this.writeRepo.create(resource, options));
  }

  update(resource: Resource & { id: string }, options?: WriteOptions): Promise<{ record: VersionRecord; created: boolean }> {
    return this.write(() => this.writeRepo.update(resource, options));
  }

  delete(resourceType: string, id: string, options?: WriteOptions): Promise<VersionRecord | undefined> {
    return this.write(() => this.writeRepo.delete(resourceType, id, options));
  }

  async read(resourceType: string, id: string): Promise<VersionRecord | undefined> {
    return this.readRepo.read(resourceType, id);
  }

  async vread(resourceType: string, id: string, versionId: string): Promise<VersionRecord | undefined> {
    return this.readRepo.vread(resourceType, id, versionId);
  }

  async history(query: HistoryQuery): Promise<HistoryPage> {
    return this.readRepo.history(query);
  }

  async search(request: SearchRequest): Promise<SearchResult> {
    return this.readRepo.search(request);
  }

  transaction<T>(fn: (tx: FhirStore) => Promise<T>): Promise<T> {
    return this.write(async () => {
      // A savepoint only when the open transaction holds other writes waiting for their COMMIT: alone, a
      // failure rolls the whole transaction back. Measured: an enclosing savepoint made a transaction of
      // 100 creates ~25 % slower (39,000 -> 29,000 creates/s, bench/store.bench.ts).
      const shared = this.group.length > 0;
      if (shared) this.savepoint.run();
      const marker = { active: true };
      const tx = new TransactionView(this.writer, this.writeRepo, this);
      try {
        const result = await this.insideTransaction.run(marker, () => fn(tx));
        tx.end();
        if (shared) this.release.run();
        return result;
      } catch (err) {
        tx.end();
        if (this.writer.inTransaction) {
          if (shared) {
            this.rollbackTo.run();
            this.release.run();
          } else {
            this.rollback.run();
          }
        }
        throw err;
      } finally {
        marker.active = false;
      }
    });
  }

  /** Waits for running writes, checkpoints the WAL into the database file and closes both connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.mutex.run(async () => {
      if (this.closed) return;
      this.commitGroup();
      await this.checkpointer.stop();
      this.closed = true;
      this.reader.close();
      this.writer.pragma('wal_checkpoint(TRUNCATE)');
      this.writer.close();
    });
  }

  /** Group-commit counters (for benchmarks): commits, and writes acknowledged by them. */
  get commitStats(): { commits: number; writes: number } {
    return { commits: this.commits, writes: this.groupedWrites };
  }

  /**
   * Every write runs inside the writer's open SQLite transaction (a SAVEPOINT of it), and is acknowledged only
   * after the COMMIT that makes it durable. A write that finishes while other writes are queued leaves the
   * transaction open for them and waits: the last of the group commits once for all (group commit). Each
   * write's own changes are all-or-nothing through its savepoint, so a failing write never undoes the others.
   * Why: a transaction Bundle dirties ~1,000 index pages (random positions in the value-ordered secondary
   * indexes); writes committed together share most of those pages, so the WAL bytes and fsyncs per resource
   * fall. Before committing alone, a write lets the event loop turn a few times (WAIT_TURNS) so that requests
   * already arriving can reach the queue (measured: without those turns groups never formed).
   */
  private write<T>(fn: () => T | Promise<T>): Promise<T> {
    if (this.insideTransaction.getStore()?.active) {
      return Promise.reject(
        new Error('the store was written to inside its own transaction(); use the tx view passed to fn'),
      );
    }
    if (this.closed) return Promise.reject(new Error('the store is closed'));
    this.queued++;
    return this.mutex.run(async () => {
      this.queued--;
      if (this.closed) throw new Error('the store is closed');
      if (!this.writer.inTransaction) this.begin.run();
      let result: T;
      let poisoned = false;
      try {
        result = await fn();
        const poison = this.writeRepo.takePoison();
        if (poison) {
          poisoned = true;
          throw poison.error;
        }
      } catch (err) {
        // The write's own changes are undone (its savepoint, or the write failed before changing anything).
        // A write that failed half-way without a savepoint (see ResourceRepository.unguarded) leaves changes
        // nothing can undo but a full rollback: the group's writes go with it, and fail, never acknowledged.
        if ((this.writeRepo.takePoison() || poisoned) && this.writer.inTransaction) this.rollback.run();
        // If SQLite aborted the whole transaction, commitGroup() fails the group; else it goes on or commits.
        if (!this.writer.inTransaction || this.queued === 0) this.commitGroup();
        throw err;
      }
      const durable = new Promise<void>((resolve, reject) => this.group.push({ resolve, reject }));
      durable.catch(() => undefined); // awaited below, once the mutex is released
      for (let t = 0; t < WAIT_TURNS && this.queued === 0 && this.group.length < MAX_GROUP; t++) await nextTurn();
      if (this.queued === 0 || this.group.length >= MAX_GROUP) this.commitGroup();
      // Released before the COMMIT when others are queued: the last of them commits for this write too.
      return { durable, result };
    }).then(async ({ durable, result }) => {
      await durable;
      return result;
    });
  }

  /** Commits the open transaction and settles every write waiting for it. Call holding the mutex. */
  private commitGroup(): void {
    const members = this.group;
    this.group = [];
    if (!this.writer.inTransaction) {
      for (const m of members) m.reject(new Error('the store transaction was aborted; the write was not saved'));
      return;
    }
    try {
      this.commit.run();
    } catch (err) {
      if (this.writer.inTransaction) this.rollback.run();
      for (const m of members) m.reject(err);
      return;
    }
    this.commits++;
    this.groupedWrites += members.length;
    for (const m of members) m.resolve();
    this.checkpointer.afterWrite();
  }
}

/** Waits one turn of the event loop (I/O callbacks included), not just the microtask queue. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export function openEmbeddedStore(options: EmbeddedStoreOptions): EmbeddedStore {
  return new EmbeddedStore(options);
}
