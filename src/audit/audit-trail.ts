import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { MongoClient, type Db } from 'mongodb';
import type { LucarneConfig } from '../config/config';
import type { FhirRouter } from '../fhir/rest/router';
import type { AuditSink } from '../kernel/audit-sink';
import type { Clock } from '../kernel/clock';
import type { StateStore } from '../store/state/state-store';
import type { FhirStore } from '../store/store';
import { appendOnlyAudit } from './append-only-store';
import { AUDIT_STATE_SPACE, AuditMover, MOVER_LEASE_KEY, type MoverLogger } from './audit-mover';
import { GroupCommitSink } from './group-commit-sink';
import type { AuditJournal } from './journal';
import { Lease } from './lease';
import { MongoJournal } from './mongo-journal';
import { SqliteJournal } from './sqlite-journal';
import { registerAuditRoutes } from './verify-chain-route';

export interface AuditTrailDeps {
  config: Pick<LucarneConfig, 'dataDir' | 'baseUrl' | 'mongodbUrl'>;
  /** The underlying store, before the API's write rules: the job writes AuditEvents there. */
  store: FhirStore;
  state: StateStore;
  clock: Clock;
  logger: MoverLogger;
  /** The MongoDB database of the journal; default: the store's own (MongoStore.db), else one opened from mongodbUrl. */
  mongoDb?: Db;
  /** Tuning and tests. */
  mover?: { batchSize?: number; intervalMs?: number; leaseMs?: number };
}

export interface AuditTrail {
  /** The sink every audited event goes to: resolves once the record is durable. */
  readonly sink: AuditSink;
  /** Wraps the API's store so that AuditEvent is append-only (405 on create, update, patch, delete). */
  appendOnly(store: FhirStore): FhirStore;
  /** Registers `AuditEvent/$verify-chain` (GET, POST). */
  registerRoutes(router: FhirRouter): void;
  /** Starts the job that moves journal entries into AuditEvents. */
  start(): void;
  /** Moves what the journal holds now, if this process gets the lease (tests, shutdown). Returns how many. */
  moveNow(): Promise<number>;
  /** Stops the job, waits for records received, gives the lease up and closes the journal. */
  stop(): Promise<void>;
}

/** The audit trail: durable journal, leased mover into chained BALP AuditEvents, append-only rule, verification. */
export async function createAuditTrail(deps: AuditTrailDeps): Promise<AuditTrail> {
  const journal = await openJournal(deps);
  const sink = new GroupCommitSink(journal);
  const leaseMs = deps.mover?.leaseMs ?? 30_000;
  const lease = new Lease(deps.state, AUDIT_STATE_SPACE, MOVER_LEASE_KEY, randomUUID(), deps.clock, leaseMs);
  const mover = new AuditMover({
    journal,
    store: deps.store,
    state: deps.state,
    lease,
    clock: deps.clock,
    logger: deps.logger,
    server: { baseUrl: deps.config.baseUrl },
    batchSize: deps.mover?.batchSize,
    intervalMs: deps.mover?.intervalMs,
  });
  let stopping: Promise<void> | undefined;
  return {
    sink,
    appendOnly: appendOnlyAudit,
    registerRoutes: registerAuditRoutes,
    start: () => mover.start(),
    moveNow: () => mover.runOnce(),
    stop() {
      stopping ??= (async () => {
        await sink.close();
        await mover.stop();
        await journal.close();
      })();
      return stopping;
    },
  };
}

async function openJournal(deps: AuditTrailDeps): Promise<AuditJournal> {
  if (deps.store.backend !== 'mongo') return new SqliteJournal(resolve(deps.config.dataDir));
  const ownDb = deps.mongoDb ?? (deps.store as FhirStore & { db?: Db }).db;
  if (ownDb) return new MongoJournal(ownDb);
  if (!deps.config.mongodbUrl) throw new Error('a MongoDB store needs mongodbUrl for its audit journal');
  const client = new MongoClient(deps.config.mongodbUrl);
  await client.connect();
  // The database the store uses: the URL's, else `lucarne` (as openMongoStore).
  const named = client.db().databaseName;
  return new MongoJournal(client.db(named && named !== 'test' ? named : 'lucarne'), () => client.close());
}
