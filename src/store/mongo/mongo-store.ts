import { randomUUID } from 'node:crypto';
import { MongoClient, type Db, type Document } from 'mongodb';
import type { Resource } from '@medplum/fhirtypes';
import type { Definitions } from '../../fhir/conformance/definitions';
import { createExtractor, type Extractor } from '../../fhir/search/extract';
import type { SearchRequest, SearchResult } from '../../fhir/search/search-request';
import { monotonicClock, type Clock } from '../../kernel/clock';
import { FhirError, issue } from '../../kernel/errors';
import type { ClaimHolder, ClaimsBackfill, FhirStore, HistoryPage, HistoryQuery, VersionRecord, WriteOptions } from '../store';
import { AsyncMutex } from '../../kernel/async-mutex';
import { Leases } from './leases';
import { Repository, type UndoStep } from './repository';
import { ensureSchema } from './schema';
import { searchKeys } from './search-keys';
import { MongoTransactionView } from './transaction-view';

export interface MongoStoreLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface MongoStoreOptions {
  /** mongodb:// connection string (MONGODB_URL). */
  url: string;
  /** Database name; defaults to the one in the URL, else `lucarne`. */
  dbName?: string;
  clock?: Clock;
  logger?: MongoStoreLogger;
  definitions: Definitions;
  /** Public base URL, so absolute references under it are indexed as local ones. */
  baseUrl?: string;
  extractor?: Extractor;
  /** How long transaction(fn) waits for the cluster-wide lease without server transactions (default 10 s). */
  serialWaitMs?: number;
  /**
   * Called with every command sent to the server (driver command monitoring), e.g. to log slow query
   * shapes or to check in tests that each query is served by an index. Off when absent.
   */
  onCommand?: (command: ObservedCommand) => void;
}

/** A command as sent: its name, its database and the command document (filters, sorts, updates). */
export interface ObservedCommand {
  name: string;
  database: string;
  command: Document;
}

/** Name of the lease that serialises transaction(fn) calls when the server has no transactions. */
export const SERIAL_LEASE = 'store.transaction';
const SERIAL_TTL_MS = 30_000;

/**
 * The FhirStore over MongoDB (or a MongoDB-wire server such as FerretDB).
 *
 * transaction(fn):
 * - On a replica set or sharded cluster (detected at start-up): one multi-document session transaction,
 *   all or nothing; supportsTransactions = true.
 * - Otherwise (standalone mongod, FerretDB): supportsTransactions = false. The REST layer refuses transaction
 *   Bundles before writing. The single conditional interactions it still runs through transaction(fn)
 *   (If-None-Exist create, conditional update/delete, PATCH) get: fn runs while holding a cluster-wide lease,
 *   so such interactions from every Lucarne process run one at a time (two If-None-Exist creates cannot both
 *   see "no match"); each write is atomic with version-conflict detection, as outside a transaction; writes
 *   already done are NOT undone if fn throws later. Those interactions write once, as their last step, so
 *   they cannot half-apply; only a conditional delete of several matches can stop midway (each deletion is
 *   complete; repeating the request finishes it).
 */
export class MongoStore implements FhirStore {
  readonly backend = 'mongo' as const;
  readonly leases: Leases;
  private readonly repo: Repository;
  private readonly serial = new AsyncMutex();
  private closed = false;
  readonly claimsBackfill: ClaimsBackfill = {
    isDone: async (name) => (await this.backfills().findOne({ _id: name })) !== null,
    markDone: async (name) => {
      await this.backfills().updateOne({ _id: name }, { $set: { doneAt: this.clock.now().getTime() } }, { upsert: true });
    },
    addClaims: (resourceType, id, keys) => this.repo.addClaims(resourceType, id, keys),
  };

  constructor(
    private readonly client: MongoClient,
    readonly db: Db,
    readonly supportsTransactions: boolean,
    /** True on FerretDB (it lacks some MongoDB features; see docs/mongodb.md). */
    readonly ferretdb: boolean,
    private readonly clock: Clock,
    definitions: Definitions,
    extractor: Extractor,
    private readonly serialWaitMs: number,
  ) {
    this.repo = new Repository({ db, definitions, extractor, clock });
    this.leases = new Leases(db, clock);
  }

  create(resource: Resource & { id: string }, options?: WriteOptions): Promise<VersionRecord> {
    this.check();
    return this.repo.create(resource, options);
  }

  update(resource: Resource & { id: string }, options?: WriteOptions): Promise<{ record: VersionRecord; created: boolean }> {
    this.check();
    return this.repo.update(resource, options);
  }

  delete(resourceType: string, id: string, options?: WriteOptions): Promise<VersionRecord | undefined> {
    this.check();
    return this.repo.delete(resourceType, id, options);
  }

  read(resourceType: string, id: string): Promise<VersionRecord | undefined> {
    this.check();
    return this.repo.read(resourceType, id);
  }

  vread(resourceType: string, id: string, versionId: string): Promise<VersionRecord | undefined> {
    this.check();
    return this.repo.vread(resourceType, id, versionId);
  }

  history(query: HistoryQuery): Promise<HistoryPage> {
    this.check();
    return this.repo.history(query);
  }

  search(request: SearchRequest): Promise<SearchResult> {
    this.check();
    return this.repo.search(request);
  }

  claimHolders(keys: readonly string[]): Promise<ClaimHolder[]> {
    this.check();
    return this.repo.claimHolders(keys);
  }

  async transaction<T>(fn: (tx: FhirStore) => Promise<T>): Promise<T> {
    this.check();
    return this.supportsTransactions ? this.atomic(fn) : this.serialised(fn);
  }

  private async atomic<T>(fn: (tx: FhirStore) => Promise<T>): Promise<T> {
    const session = this.client.startSession();
    const undo: UndoStep[] = [];
    const view = new MongoTransactionView(
      new Repository(this.repo.ctx, session, undo), true, undo,
    );
    try {
      session.startTransaction({ readConcern: { level: 'snapshot' }, writeConcern: { w: 'majority' } });
      let result: T;
      try {
        result = await fn(view);
      } catch (err) {
        if (session.inTransaction()) await session.abortTransaction();
        throw err;
      }
      try {
        await session.commitTransaction();
      } catch (err) {
        throw transactionFailed(err);
      }
      return result;
    } finally {
      view.end();
      await session.endSession();
    }
  }

  private serialised<T>(fn: (tx: FhirStore) => Promise<T>): Promise<T> {
    return this.serial.run(async () => {
      const lease = await this.waitForLease();
      const renewal = setInterval(() => void this.leases.renew(lease, SERIAL_TTL_MS).catch(() => undefined), SERIAL_TTL_MS / 3);
      const undo: UndoStep[] = [];
      const view = new MongoTransactionView(this.repo.withUndo(undo), false, undo);
      try {
        return await fn(view);
      } finally {
        view.end();
        clearInterval(renewal);
        await this.leases.release(lease).catch(() => undefined);
      }
    });
  }

  private async waitForLease() {
    const holder = randomUUID();
    const deadline = this.clock.now().getTime() + this.serialWaitMs;
    for (let delay = 2; ; delay = Math.min(delay * 2, 50)) {
      const lease = await this.leases.acquire(SERIAL_LEASE, holder, SERIAL_TTL_MS);
      if (lease) return lease;
      if (this.clock.now().getTime() > deadline) {
        throw new FhirError(503, [issue('transient', 'The store is busy with other conditional writes; try again')]);
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.serial.run(() => undefined);
    await this.client.close();
  }

  private backfills() {
    return this.db.collection<{ _id: string; doneAt: number }>('claim_backfills');
  }

  private check(): void {
    if (this.closed) throw new Error('the store is closed');
  }
}

function transactionFailed(err: unknown): Error {
  const labels = (err as { errorLabels?: string[]; errorLabelSet?: Set<string> }).errorLabelSet;
  if (labels?.has('TransientTransactionError') || labels?.has('UnknownTransactionCommitResult')) {
    return new FhirError(409, [issue('conflict', 'The transaction conflicted with a concurrent write; nothing was written')]);
  }
  return err instanceof Error ? err : new Error(String(err));
}

/** Connects, detects what the server can do, applies migrations and indexes. */
export async function openMongoStore(options: MongoStoreOptions): Promise<MongoStore> {
  // A timeout written in the URL wins over the default.
  const timeout = /[?&]serverSelectionTimeoutMS=/i.test(options.url) ? {} : { serverSelectionTimeoutMS: 10_000 };
  const client = new MongoClient(options.url, { ...timeout, monitorCommands: options.onCommand !== undefined });
  const observe = options.onCommand;
  if (observe) client.on('commandStarted', (e) => observe({ name: e.commandName, database: e.databaseName, command: e.command }));
  await client.connect();
  try {
    const fromUrl = client.options.dbName;
    const db = client.db(options.dbName ?? (fromUrl && fromUrl !== 'test' ? fromUrl : 'lucarne'));
    const admin = db.admin();
    const hello = (await admin.command({ hello: 1 }).catch(() => admin.command({ isMaster: 1 }))) as {
      setName?: string; msg?: string;
    };
    const build = (await admin.command({ buildInfo: 1 })) as { ferretdbVersion?: string; version?: string };
    const ferretdb = build.ferretdbVersion !== undefined;
    // Multi-document transactions need a replica set member or a mongos.
    const supportsTransactions = !ferretdb && (hello.setName !== undefined || hello.msg === 'isdbgrid');
    const clock = options.clock ?? monotonicClock();
    const extractor = options.extractor ?? createExtractor(options.definitions, { baseUrl: options.baseUrl });
    const env = { searchKeys: (resource: Resource) => searchKeys(extractor.extract(resource)) };
    const applied = await ensureSchema(db, { ferretdb, now: () => clock.now().getTime(), env });
    options.logger?.info(
      { db: db.databaseName, server: build.ferretdbVersion ? `FerretDB ${build.ferretdbVersion}` : `MongoDB ${build.version}`,
        supportsTransactions, applied },
      'mongo store opened',
    );
    if (!supportsTransactions) {
      options.logger?.warn({}, 'the MongoDB server has no multi-document transactions: transaction Bundles are refused');
    }
    return new MongoStore(client, db, supportsTransactions, ferretdb, clock, options.definitions, extractor, options.serialWaitMs ?? 10_000);
  } catch (err) {
    await client.close();
    throw err;
  }
}
