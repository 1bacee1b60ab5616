import { randomUUID } from 'node:crypto';
import { MongoClient, type Collection, type Db, type Filter, type IndexDescription } from 'mongodb';
import type { Clock } from '../../kernel/clock';
import { isDuplicateKey } from '../mongo/documents';
import type { StateEntry, StateStore, StateValue } from './state-store';

/** One entry: `_id` is space NUL key; `rev` names this write of it (a fresh one on every insert and put). */
interface EntryDoc {
  _id: string;
  space: string;
  key: string;
  /** The value as JSON text, as the other state stores keep it (any key is safe, `$` or `.` included). */
  value: string;
  expiresAt?: Date;
  rev: string;
}

/** The right to remove one write (`rev`) of an entry: `_id` is entry id NUL rev NUL level. */
interface ClaimDoc {
  _id: string;
  expiresAt: Date;
}

/** How long a claim protects its holder; a claim older than that was left by a dead (or stalled) caller. */
const CLAIM_TTL_MS = 30_000;
/** Without a TTL index (FerretDB): how often expired entries are purged, and how long claims are kept. */
const PURGE_EVERY_MS = 60_000;
const PURGE_BATCH = 1000;
const KEEP_CLAIMS_MS = 3_600_000;
/** How long an insert waits for another caller that is removing the expired entry in its way. */
const RETRY_DELAYS_MS = [2, 5, 10, 20, 40, 80, 160, 320];

const INDEXES: Record<'state' | 'state_claims', IndexDescription[]> = {
  state: [
    { key: { space: 1, key: 1 }, name: 'state_space_key' },
    // Real MongoDB deletes expired entries itself; expiry never depends on it (reads filter on expiresAt).
    { key: { expiresAt: 1 }, name: 'state_ttl', expireAfterSeconds: 0 },
  ],
  state_claims: [{ key: { expiresAt: 1 }, name: 'state_claims_ttl', expireAfterSeconds: 0 }],
};

/**
 * The state store of the MongoDB backend: the collection `state` of the store's database, so that every
 * Lucarne process on one database shares clients, codes, refresh tokens, jtis, keys and sessions.
 *
 * Only two things are atomic on every MongoDB-wire server, FerretDB v1 included: an insert against the
 * unique `_id`, and a delete by `_id` (FerretDB evaluates a delete's other conditions on a document it read
 * earlier, so a conditional delete may remove a document written since). Hence:
 * - insert is insertOne; a duplicate key (11000) means the key is taken, unless the entry there expired.
 * - An entry is removed (an expired one replaced, or a live one deleted) only by the one caller that first
 *   inserts its claim `state_claims` `{_id: entry id, rev, level}`: one claimant per written revision, so
 *   no delete can hit a newer revision of the key. The claimant deletes `{_id, rev}` and, for an insert,
 *   retries insertOne, which a fresh insert may still win: either way exactly one insert gets true.
 * - A claim older than CLAIM_TTL_MS was left by a caller that died between claiming and deleting: the next
 *   caller takes the next level of it (assumption: no caller stalls that long between the two steps).
 * - put replaces the document (last writer wins); on FerretDB a put racing a removal of the same key may be
 *   lost. put is for the rarely written spaces (clients, keys), not the single-use ones.
 * On real MongoDB, TTL indexes delete expired entries and old claims; FerretDB refuses TTL indexes, so the
 * store purges them itself now and then (through claims, as any removal).
 */
export class MongoStateStore implements StateStore {
  private readonly entries: Collection<EntryDoc>;
  private readonly claims: Collection<ClaimDoc>;
  private lastPurge = 0;
  private purging: Promise<void> | undefined;

  constructor(
    db: Db,
    private readonly clock: Clock,
    /** False when the server refused the TTL indexes: the store purges expired entries itself. */
    private readonly ttlIndexes: boolean,
    private readonly onClose: () => Promise<void> = async () => undefined,
  ) {
    this.entries = db.collection<EntryDoc>('state');
    this.claims = db.collection<ClaimDoc>('state_claims');
  }

  async insert(space: string, key: string, value: StateValue, expiresAt?: number): Promise<boolean> {
    const doc = entryDoc(space, key, value, expiresAt);
    for (let attempt = 0; ; attempt++) {
      if (await insertOnce(this.entries, doc)) return true;
      const now = this.now();
      const existing = await this.entries.findOne({ _id: doc._id });
      if (existing && isLive(existing, now)) return false;
      if (existing && (await this.remove(existing, now))) continue;
      // Removed meanwhile, or another caller is removing the expired entry: wait for it, then try again.
      if (attempt >= RETRY_DELAYS_MS.length) return false;
      await sleep(RETRY_DELAYS_MS[attempt]!);
    }
  }

  async put(space: string, key: string, value: StateValue, expiresAt?: number): Promise<void> {
    this.now();
    const doc = entryDoc(space, key, value, expiresAt);
    try {
      await this.entries.replaceOne({ _id: doc._id }, doc, { upsert: true });
    } catch (err) {
      // Two upserts of an absent key: one inserts, the other replaces what it inserted.
      if (!isDuplicateKey(err)) throw err;
      await this.entries.replaceOne({ _id: doc._id }, doc, { upsert: true });
    }
  }

  async get(space: string, key: string): Promise<StateValue | undefined> {
    const doc = await this.entries.findOne({ _id: entryId(space, key), ...liveFilter(this.now()) });
    return doc ? (JSON.parse(doc.value) as StateValue) : undefined;
  }

  async delete(space: string, key: string): Promise<boolean> {
    const now = this.now();
    const existing = await this.entries.findOne({ _id: entryId(space, key) });
    return existing !== null && isLive(existing, now) && this.remove(existing, now);
  }

  async list(space: string): Promise<StateEntry[]> {
    const docs = await this.entries.find({ space, ...liveFilter(this.now()) }).sort({ key: 1 }).toArray();
    return docs.map((doc) => ({
      key: doc.key,
      value: JSON.parse(doc.value) as StateValue,
      ...(doc.expiresAt ? { expiresAt: doc.expiresAt.getTime() } : {}),
    }));
  }

  async close(): Promise<void> {
    await this.purging;
    await this.onClose();
  }

  /** Removes this revision of the entry if this caller is the one to claim it: true when it did. */
  private async remove(doc: EntryDoc, now: number): Promise<boolean> {
    if (!(await this.claim(doc, now))) return false;
    const result = await this.entries.deleteOne({ _id: doc._id, rev: doc.rev });
    return result.deletedCount === 1;
  }

  private async claim(doc: EntryDoc, now: number): Promise<boolean> {
    for (let level = 0; level < 100; level++) {
      const _id = `${doc._id}\u0000${doc.rev}\u0000${level}`;
      if (await insertOnce(this.claims, { _id, expiresAt: new Date(now + CLAIM_TTL_MS) })) return true;
      const held = await this.claims.findOne({ _id });
      if (held && held.expiresAt.getTime() > now) return false;
    }
    return false;
  }

  /** The current time; without TTL indexes, starts a purge of expired entries now and then. */
  private now(): number {
    const now = this.clock.now().getTime();
    if (!this.ttlIndexes && !this.purging && now - this.lastPurge >= PURGE_EVERY_MS) {
      this.lastPurge = now;
      this.purging = this.purge(now)
        .catch(() => undefined)
        .finally(() => (this.purging = undefined));
    }
    return now;
  }

  private async purge(now: number): Promise<void> {
    const expired = await this.entries.find({ expiresAt: { $lte: new Date(now) } }).limit(PURGE_BATCH).toArray();
    for (const doc of expired) await this.remove(doc, now);
    // A claim this old protects no one: its revision is long gone, and a later claimant of it deletes nothing.
    await this.claims.deleteMany({ expiresAt: { $lte: new Date(now - KEEP_CLAIMS_MS) } });
  }
}

export interface MongoStateStoreOptions {
  /** The database to use (the FHIR store's, sharing its client); else `url` is connected to. */
  db?: Db;
  /** mongodb:// connection string (MONGODB_URL), when no `db` is given. */
  url?: string;
  /** Database name with `url`; defaults as the FHIR store's: the one in the URL, else `lucarne`. */
  dbName?: string;
  clock: Clock;
}

/** Opens the state store on a database (creating its indexes), connecting first when given a URL. */
export async function openMongoStateStore(options: MongoStateStoreOptions): Promise<MongoStateStore> {
  if (options.db) return new MongoStateStore(options.db, options.clock, await ensureIndexes(options.db));
  if (!options.url) throw new Error('openMongoStateStore needs a database or a URL');
  // The client settings of openMongoStore: a timeout written in the URL wins over the default.
  const timeout = /[?&]serverSelectionTimeoutMS=/i.test(options.url) ? {} : { serverSelectionTimeoutMS: 10_000 };
  const client = new MongoClient(options.url, timeout);
  await client.connect();
  try {
    const fromUrl = client.options.dbName;
    const db = client.db(options.dbName ?? (fromUrl && fromUrl !== 'test' ? fromUrl : 'lucarne'));
    return new MongoStateStore(db, options.clock, await ensureIndexes(db), () => client.close());
  } catch (err) {
    await client.close();
    throw err;
  }
}

/**
 * Creates the missing indexes, one per command (FerretDB v1 can fail a createIndexes naming several that
 * exist). True when the TTL indexes exist; false when the server refuses them (FerretDB: not implemented).
 */
async function ensureIndexes(db: Db): Promise<boolean> {
  let ttl = true;
  for (const [name, indexes] of Object.entries(INDEXES)) {
    const existing = new Set((await db.collection(name).listIndexes().toArray().catch(() => [])).map((i) => i.name as string));
    for (const index of indexes) {
      if (index.name && existing.has(index.name)) continue;
      try {
        await db.collection(name).createIndexes([index]);
      } catch (err) {
        if (index.expireAfterSeconds === undefined || !isNotImplemented(err)) throw err;
        ttl = false;
      }
    }
  }
  return ttl;
}

function entryId(space: string, key: string): string {
  return `${space}\u0000${key}`;
}

function entryDoc(space: string, key: string, value: StateValue, expiresAt?: number): EntryDoc {
  return {
    _id: entryId(space, key),
    space,
    key,
    value: JSON.stringify(value),
    ...(expiresAt === undefined ? {} : { expiresAt: new Date(expiresAt) }),
    rev: randomUUID(),
  };
}

function isLive(doc: EntryDoc, now: number): boolean {
  return doc.expiresAt === undefined || doc.expiresAt === null || doc.expiresAt.getTime() > now;
}

function liveFilter(now: number): Filter<EntryDoc> {
  return { $or: [{ expiresAt: { $exists: false } }, { expiresAt: { $gt: new Date(now) } }] };
}

/** insertOne: true when it inserted, false on a duplicate `_id`. */
async function insertOnce<T extends { _id: string }>(collection: Collection<T>, doc: T): Promise<boolean> {
  try {
    await collection.insertOne(doc as Parameters<Collection<T>['insertOne']>[0]);
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}

/** FerretDB answers NotImplemented (238) to the TTL option. */
function isNotImplemented(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 238;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
