import { AsyncLocalStorage } from 'node:async_hooks';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Resource } from '@medplum/fhirtypes';
import { monotonicClock, type Clock } from '../../kernel/clock';
import type { SearchRequest, SearchResult } from '../../fhir/search/search-request';
import type { ClaimHolder, ClaimsBackfill, FhirStore, HistoryPage, HistoryQuery, VersionRecord, WriteOptions } from '../store';
import { AsyncMutex } from '../../kernel/async-mutex';
import { inProcessWriter } from './in-process-writer';
import { prepareResource, type PreparedResource } from './prepared-resource';
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
  error(obj: object, msg?: string): void;
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
  /**
   * Turns a write to the store (not to the view) inside its own transaction(fn), which would wait forever for
   * the writer fn holds, into an error. It needs an AsyncLocalStorage, whose promise hooks cost ~6 % of the
   * ingest rate on Node 20; so it is on where that mistake would be made, in tests (NODE_ENV=test), and off
   * otherwise unless set.
   */
  guardTransactions?: boolean;
}

export const databaseFileName = 'lucarne.sqlite';

/**
 * The FhirStore over SQLite. One writer connection (on the event loop, or in a worker thread: see
 * openEmbeddedStoreWithWriterThread), used by one write at a time under an async mutex; one read-only
 * connection for reads outside a transaction, which therefore only ever see committed data. Across
 * processes, BEGIN IMMEDIATE and busy_timeout serialise writers.
 *
 * Each write (a create, update or delete, or a whole transaction(fn)) is one SQLite transaction. Its COMMIT
 * is sent as soon as it ends and the writer goes to the next write at once; the write is acknowledged when
 * its flush completes (WalSync shares one flush among the commits that wait for it). Measured: holding
 * commits back to group several writes into one SQLite transaction made concurrent clients wait for each
 * other, and cost a fifth of the ingest rate once flushes no longer blocked the writer.
 */
export class EmbeddedStore implements FhirStore {
  readonly backend = 'embedded' as const;
  readonly supportsTransactions = true;

  private readonly reader: Database.Database;
  private readonly readRepo: ResourceRepository;
  private readonly clock: Clock;
  private readonly index: EmbeddedSearchIndex;
  private readonly mutex = new AsyncMutex();
  private lastCommit: Promise<unknown> = Promise.resolve();
  private commits = 0;
  /** Marks the async context of a running transaction(fn), to turn a self-deadlock into an error. */
  private readonly insideTransaction?: AsyncLocalStorage<{ active: boolean }>;
  private closed = false;
  private readonly checkpointer: WalCheckpointer;
  readonly claimsBackfill: ClaimsBackfill = {
    isDone: async (name) => this.readRepo.backfillDone(name),
    markDone: (name) => this.write((w) => w.markBackfillDone(name, this.now())),
    addClaims: (resourceType, id, keys) => this.write((w) => w.addClaims(resourceType, id, keys, this.now())),
  };

  constructor(
    options: EmbeddedStoreOptions,
    readonly file: string,
    private readonly writer: Writer,
  ) {
    this.clock = options.clock ?? monotonicClock();
    this.index = options.index;
    if (options.guardTransactions ?? process.env.NODE_ENV === 'test') this.insideTransaction = new AsyncLocalStorage();
    this.reader = new Database(file, { readonly: true });
    this.reader.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    this.readRepo = new ResourceRepository(this.reader, options.index, this.clock, false);
    this.checkpointer = new WalCheckpointer(file, options.durability === 'normal' ? 'NORMAL' : 'FULL');
  }

  async create(resource: Resource & { id: string }, options: WriteOptions = {}): Promise<VersionRecord> {
    const prepared = this.prepare(resource);
    return this.write((w) => w.create(prepared, options, this.now()));
  }

  async update(resource: Resource & { id: string }, options: WriteOptions = {}): Promise<{ record: VersionRecord; created: boolean }> {
    const prepared = this.prepare(resource);
    return this.write((w) => w.update(prepared, options, this.now()));
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

  async claimHolders(keys: readonly string[]): Promise<ClaimHolder[]> {
    return this.readRepo.claimHolders(keys);
  }

  /**
   * The writer is taken when fn first uses the view, not before: what fn does until then (validating,
   * planning, reading nothing) overlaps with the writes of others.
   */
  async transaction<T>(fn: (tx: FhirStore) => Promise<T>): Promise<T> {
    this.checkWritable();
    const session = new WriteSession(this.writer, () => this.acquire(), (commit) => this.committing(commit));
    const marker = { active: true };
    const view = new TransactionView(this.writer, (call) => session.use(call), { now: () => this.now(), prepare: (r) => this.prepare(r) }, this);
    let result: T;
    try {
      result = await (this.insideTransaction ? this.insideTransaction.run(marker, () => fn(view)) : fn(view));
    } catch (err) {
      view.end();
      marker.active = false;
      await session.fail();
      throw session.abortedBy ?? err;
    }
    view.end();
    marker.active = false;
    await session.succeed();
    return result;
  }

  async ready(): Promise<void> {
    const failure = this.writer.failure?.();
    if (failure) throw failure;
  }

  /** Waits for running writes, checkpoints the WAL into the database file and closes both connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.mutex.run(async () => {
      if (this.closed) return;
      await this.lastCommit.catch(() => undefined);
      await this.checkpointer.stop();
      this.closed = true;
      this.reader.close();
      await this.writer.close();
    });
  }

  /** Commits so far (for benchmarks and tests). */
  get commitStats(): { commits: number } {
    return { commits: this.commits };
  }

  private async acquire(): Promise<() => void> {
    const release = await this.mutex.acquire();
    if (this.closed) {
      release();
      throw new Error('the store is closed');
    }
    return release;
  }

  private committing(commit: Promise<boolean>): void {
    this.lastCommit = commit;
    commit.then(
      (committed) => {
        if (!committed) return;
        this.commits++;
        this.checkpointer.afterWrite();
      },
      () => undefined,
    );
  }

  private now(): number {
    return this.clock.now().getTime();
  }

  /** Extraction and serialisation on the caller's thread, so the writer (thread) only splices and inserts. */
  private prepare(resource: Resource & { id: string }): PreparedResource {
    return prepareResource(resource, this.index.indexRows);
  }

  private checkWritable(): void {
    if (this.insideTransaction?.getStore()?.active) {
      throw new Error('the store was written to inside its own transaction(); use the tx view passed to fn');
    }
    if (this.closed) throw new Error('the store is closed');
  }

  private async write<T>(op: (writer: Writer) => Promise<T>): Promise<T> {
    this.checkWritable();
    const session = new WriteSession(this.writer, () => this.acquire(), (commit) => this.committing(commit));
    let result: T;
    try {
      result = await session.use(() => op(this.writer));
    } catch (err) {
      await session.fail();
      throw err;
    }
    await session.succeed();
    return result;
  }
}

/**
 * One write's hold on the writer, taken on its first call: a single create/update/delete, or a
 * transaction(fn). It ends by sending COMMIT (or ROLLBACK) and giving the writer back at once; success is
 * reported when the commit is durable.
 */
class WriteSession {
  private entered?: Promise<void>;
  private release?: () => void;
  /** The failure that rolled the whole SQLite transaction back: this session can only fail after it. */
  private aborted?: unknown;

  constructor(
    private readonly writer: Writer,
    private readonly acquire: () => Promise<() => void>,
    private readonly committing: (commit: Promise<boolean>) => void,
  ) {}

  /** The first failure that aborted the SQLite transaction, the real cause of any later "aborted" error. */
  get abortedBy(): unknown {
    return this.aborted;
  }

  /** Runs a call on the writer, once this session holds it. */
  use<T>(call: () => Promise<T>): Promise<T> {
    this.entered ??= this.acquire().then((release) => {
      this.release = release;
    });
    return this.entered.then(call).catch((err: unknown) => {
      if (isAborted(err)) this.aborted ??= err;
      throw err;
    });
  }

  async succeed(): Promise<void> {
    if (!this.entered) return;
    if (this.aborted !== undefined) {
      await this.fail();
      throw this.aborted;
    }
    let commit: Promise<boolean>;
    try {
      await this.entered;
      commit = this.writer.commit();
      this.committing(commit);
    } finally {
      // Given back before the COMMIT completes: the next write's calls are ordered after it anyway.
      this.release?.();
    }
    if (!(await commit)) throw new Error('the store transaction was aborted; the write was not saved');
  }

  async fail(): Promise<void> {
    if (!this.entered) return;
    try {
      await this.entered.catch(() => undefined);
      if (this.release) await this.writer.rollback();
    } finally {
      this.release?.();
    }
  }
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
  const { writer, applied } = await startWriterThread({ settings, index: recipe }, (err) =>
    options.logger?.error({ err }, 'the store writer thread stopped: every write fails until Lucarne restarts'),
  );
  if (applied.length > 0) options.logger?.info({ file: settings.file, applied }, 'store schema migrated');
  try {
    return new EmbeddedStore(options, settings.file, writer);
  } catch (err) {
    await writer.close();
    throw err;
  }
}
