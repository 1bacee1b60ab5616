import { AsyncLocalStorage } from 'node:async_hooks';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Resource } from '@medplum/fhirtypes';
import { monotonicClock, type Clock } from '../../kernel/clock';
import type { SearchRequest, SearchResult } from '../../fhir/search/search-request';
import type { FhirStore, HistoryPage, HistoryQuery, VersionRecord, WriteOptions } from '../store';
import { AsyncMutex } from '../../kernel/async-mutex';
import { inProcessWriter } from './in-process-writer';
import { ResourceRepository } from './resource-repository';
import type { EmbeddedSearchIndex } from './search-index';
import { startWriterThread, type IndexRecipe } from './thread-writer';
import { TransactionView } from './transaction-view';
import { WalCheckpointer } from './wal-checkpointer';
import { isAborted, type Writer } from './writer';
import { WriterConnection, type Durability } from './writer-connection';

export type { Durability } from './writer-connection';

/** The few logger methods the store uses (a pino Logger fits). */
export interface StoreLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface EmbeddedStoreOptions {
  /** Folder of the database; created if missing. The file is `<dataDir>/lucarne.sqlite`. */
  dataDir: string;
  /** The search index of reads on the event loop (and of the writer, unless it runs in a thread). */
  index: EmbeddedSearchIndex;
  /** Source of meta.lastUpdated; defaults to a monotonic system clock. */
  clock?: Clock;
  logger?: StoreLogger;
  durability?: Durability;
  /** How long a write waits for another process holding the database's write lock (default 5000 ms). */
  busyTimeoutMs?: number;
}

export const databaseFileName = 'lucarne.sqlite';
/** Most writes acknowledged by one COMMIT. */
const MAX_GROUP = 8;
/**
 * Event-loop turns a finished write waits for another write to queue before committing alone. A request
 * needs a few turns (socket chunks, body end) to reach the store. Measured with 4 ingest clients: 1 turn
 * formed groups of 1.8 writes, 4 turns groups of 4 and ~15 % more resources/s; an idle turn costs microseconds.
 */
const WAIT_TURNS = 4;
const GROUP_SAVEPOINT = 'lucarne_write';

/**
 * The FhirStore over SQLite. One writer connection (on the event loop, or in a worker thread: see
 * openEmbeddedStoreWithWriterThread), used by one write at a time under an async mutex; one read-only
 * connection for reads outside a transaction, which therefore only ever see committed data. Across
 * processes, BEGIN IMMEDIATE and busy_timeout serialise writers.
 *
 * Group commit: every write runs inside the writer's open SQLite transaction and is acknowledged only after
 * the COMMIT that makes it durable. A write that finishes while other writes are queued leaves the
 * transaction open for them: the last of the group commits once for all. A transaction(fn) sharing the
 * SQLite transaction with earlier writes runs in a SAVEPOINT, so its failure never undoes theirs.
 * Why: a transaction Bundle dirties ~1,000 index pages (random positions in the value-ordered secondary
 * indexes); writes committed together share most of those pages, so the WAL bytes and fsyncs per resource
 * fall. Before committing alone, a write lets the event loop turn a few times (WAIT_TURNS) so that requests
 * already arriving can reach the queue (measured: without those turns groups never formed).
 */
export class EmbeddedStore implements FhirStore {
  readonly backend = 'embedded' as const;
  readonly supportsTransactions = true;

  private readonly reader: Database.Database;
  private readonly readRepo: ResourceRepository;
  private readonly clock: Clock;
  private readonly mutex = new AsyncMutex();
  /** Writes waiting for the mutex. */
  queued = 0;
  /** Finished writes of the open SQLite transaction, acknowledged at its COMMIT. */
  private group: { resolve: () => void; reject: (err: unknown) => void }[] = [];
  private lastCommit: Promise<void> = Promise.resolve();
  private commits = 0;
  private groupedWrites = 0;
  /** Marks the async context of a running transaction(fn), to turn a self-deadlock into an error. */
  private readonly insideTransaction = new AsyncLocalStorage<{ active: boolean }>();
  private closed = false;
  private readonly checkpointer: WalCheckpointer;

  constructor(
    options: EmbeddedStoreOptions,
    readonly file: string,
    private readonly writer: Writer,
  ) {
    this.clock = options.clock ?? monotonicClock();
    this.reader = new Database(file, { readonly: true });
    this.reader.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    this.readRepo = new ResourceRepository(this.reader, options.index, this.clock, false);
    this.checkpointer = new WalCheckpointer(file, options.durability === 'normal' ? 'NORMAL' : 'FULL');
  }

  create(resource: Resource & { id: string }, options: WriteOptions = {}): Promise<VersionRecord> {
    return this.write((w) => w.create(resource, options, this.now()));
  }

  update(resource: Resource & { id: string }, options: WriteOptions = {}): Promise<{ record: VersionRecord; created: boolean }> {
    return this.write((w) => w.update(resource, options, this.now()));
  }

  delete(resourceType: string, id: string, options: WriteOptions = {}): Promise<VersionRecord | undefined> {
    return this.write((w) => w.delete(resourceType, id, options, this.now()));
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

  /**
   * The writer is taken when fn first uses the view, not before: what fn does until then (validating,
   * planning, reading nothing) overlaps with the writes of others.
   */
  async transaction<T>(fn: (tx: FhirStore) => Promise<T>): Promise<T> {
    this.checkWritable();
    const session = new WriteSession(this, this.writer, true);
    const marker = { active: true };
    const view = new TransactionView(this.writer, (call) => session.use(call), () => this.now(), this);
    let result: T;
    try {
      result = await this.insideTransaction.run(marker, () => fn(view));
    } catch (err) {
      view.end();
      marker.active = false;
      await session.fail(err);
      throw session.abortedBy ?? err;
    }
    view.end();
    marker.active = false;
    return session.succeed(result);
  }

  /** Waits for running writes, checkpoints the WAL into the database file and closes both connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.mutex.run(async () => {
      if (this.closed) return;
      this.commitGroup();
      await this.lastCommit;
      await this.checkpointer.stop();
      this.closed = true;
      this.reader.close();
      await this.writer.close();
    });
  }

  /** Group-commit counters (for benchmarks): commits, and writes acknowledged by them. */
  get commitStats(): { commits: number; writes: number } {
    return { commits: this.commits, writes: this.groupedWrites };
  }

  /** Takes the writer: resolves once this caller holds it (the returned function gives it back). */
  async acquire(): Promise<() => void> {
    this.queued++;
    let release: () => void;
    try {
      release = await this.mutex.acquire();
    } finally {
      this.queued--;
    }
    if (this.closed) {
      release();
      throw new Error('the store is closed');
    }
    return release;
  }

  /** Whether the open SQLite transaction holds writes waiting for their COMMIT. */
  get groupOpen(): boolean {
    return this.group.length > 0;
  }

  /**
   * A write succeeded: it waits for the COMMIT of its group. Call holding the writer; returns the promise
   * of durability, to await after giving the writer back (the next holder may be the one that commits).
   */
  async joinGroup(): Promise<{ durable: Promise<void> }> {
    const durable = new Promise<void>((resolve, reject) => this.group.push({ resolve, reject }));
    durable.catch(() => undefined); // awaited by the caller, once the writer is given back
    for (let t = 0; t < WAIT_TURNS && this.queued === 0 && this.group.length < MAX_GROUP; t++) await nextTurn();
    if (this.queued === 0 || this.group.length >= MAX_GROUP) this.commitGroup();
    return { durable };
  }

  /** A write failed: its own changes are undone, or (aborted) the whole SQLite transaction. Call holding the writer. */
  afterFailure(aborted: boolean): void {
    if (aborted) this.failGroup(new Error('the store transaction was aborted; the write was not saved'));
    else if (this.queued === 0) this.commitGroup();
  }

  /**
   * Commits the open transaction and settles every write waiting for it. Called holding the writer; the
   * COMMIT is sent at once, and whoever takes the writer next is ordered after it.
   */
  private commitGroup(): void {
    const members = this.group;
    this.group = [];
    this.lastCommit = this.writer.commit().then(
      (committed) => {
        if (!committed) {
          for (const m of members) m.reject(new Error('the store transaction was aborted; the write was not saved'));
          return;
        }
        this.commits++;
        this.groupedWrites += members.length;
        for (const m of members) m.resolve();
        this.checkpointer.afterWrite();
      },
      (err: unknown) => {
        for (const m of members) m.reject(err);
      },
    );
  }

  private failGroup(err: Error): void {
    const members = this.group;
    this.group = [];
    for (const m of members) m.reject(err);
  }

  private now(): number {
    return this.clock.now().getTime();
  }

  private checkWritable(): void {
    if (this.insideTransaction.getStore()?.active) {
      throw new Error('the store was written to inside its own transaction(); use the tx view passed to fn');
    }
    if (this.closed) throw new Error('the store is closed');
  }

  private async write<T>(op: (writer: Writer) => Promise<T>): Promise<T> {
    this.checkWritable();
    const session = new WriteSession(this, this.writer, false);
    let result: T;
    try {
      result = await session.use(() => op(this.writer));
    } catch (err) {
      await session.fail(err);
      throw err;
    }
    return session.succeed(result);
  }
}

/**
 * One write's hold on the writer, taken on first use: a single create/update/delete, or a transaction(fn)
 * (which runs in a SAVEPOINT when it shares the SQLite transaction with writes awaiting their COMMIT).
 */
class WriteSession {
  private entered?: Promise<void>;
  private release?: () => void;
  /** The group savepoint this session runs in, if it shares the SQLite transaction (see enter). */
  private savepoint?: Promise<void>;
  /** The failure that rolled the whole SQLite transaction back: this session can only fail after it. */
  private aborted?: unknown;

  /** The first failure that aborted the SQLite transaction, the real cause of any later "aborted" error. */
  get abortedBy(): unknown {
    return this.aborted;
  }

  constructor(
    private readonly store: EmbeddedStore,
    private readonly writer: Writer,
    private readonly undoable: boolean,
  ) {}

  /** Runs a call on the writer, once this session holds it. */
  use<T>(call: () => Promise<T>): Promise<T> {
    return this.enter()
      .then(call)
      .catch((err: unknown) => {
        if (isAborted(err)) this.aborted ??= err;
        throw err;
      });
  }

  private enter(): Promise<void> {
    this.entered ??= (async () => {
      this.release = await this.store.acquire();
      if (this.undoable && this.store.groupOpen) {
        // Not awaited: the session's calls are sent after it in any case (one ordered channel).
        this.savepoint = this.writer.savepoint(GROUP_SAVEPOINT);
        this.savepoint.catch(() => undefined);
      }
    })();
    return this.entered;
  }

  async succeed<T>(result: T): Promise<T> {
    if (!this.entered) return result;
    if (this.aborted !== undefined) {
      await this.fail(this.aborted);
      throw this.aborted;
    }
    let durable: Promise<void>;
    try {
      await this.entered;
      let released: Promise<void> | undefined;
      if (this.savepoint) {
        await this.savepoint;
        released = this.writer.release(GROUP_SAVEPOINT);
        released.catch(() => undefined);
      }
      ({ durable } = await this.store.joinGroup());
      await released;
    } finally {
      this.release?.();
    }
    await durable;
    return result;
  }

  async fail(err: unknown): Promise<void> {
    if (!this.entered) return;
    try {
      await this.entered.catch(() => undefined);
      if (!this.release) return;
      const aborted = isAborted(err) || this.aborted !== undefined;
      if (aborted) await this.writer.rollback();
      else if (this.savepoint) await this.writer.rollbackTo(GROUP_SAVEPOINT);
      else if (this.undoable) await this.writer.rollback();
      this.store.afterFailure(aborted);
    } finally {
      this.release?.();
    }
  }
}

/** Waits one turn of the event loop (I/O callbacks included), not just the microtask queue. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function settingsOf(options: EmbeddedStoreOptions): { file: string; durability?: Durability; busyTimeoutMs?: number } {
  return { file: join(options.dataDir, databaseFileName), durability: options.durability, busyTimeoutMs: options.busyTimeoutMs };
}

/** The store with its writer on the event loop (tests, tools, small deployments). */
export function openEmbeddedStore(options: EmbeddedStoreOptions): EmbeddedStore {
  const settings = settingsOf(options);
  const connection = new WriterConnection(settings, options.index);
  if (connection.applied.length > 0) options.logger?.info({ file: settings.file, applied: connection.applied }, 'store schema migrated');
  return new EmbeddedStore(options, settings.file, inProcessWriter(connection));
}

/**
 * The store with its writer in a worker thread (the server's default): SQLite's share of every write runs on
 * another core. `recipe` tells the thread how to build the same search index as `options.index`.
 */
export async function openEmbeddedStoreWithWriterThread(options: EmbeddedStoreOptions, recipe: IndexRecipe): Promise<EmbeddedStore> {
  const settings = settingsOf(options);
  const { writer, applied } = await startWriterThread({ settings, index: recipe });
  if (applied.length > 0) options.logger?.info({ file: settings.file, applied }, 'store schema migrated');
  try {
    return new EmbeddedStore(options, settings.file, writer);
  } catch (err) {
    await writer.close();
    throw err;
  }
}
