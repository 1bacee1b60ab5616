import type { Resource } from '@medplum/fhirtypes';
import type { Db, IndexDescription } from 'mongodb';
import type { SearchKeys } from './search-keys';
import { readJson } from '../../kernel/json/read-json';

/** Indexes of every collection, created idempotently at start-up (createIndexes is a no-op when they exist). */
export const INDEXES: Record<string, IndexDescription[]> = {
  resources: [
    // A type's live resources in _id order (the default search order); _id filters and compartments.
    { key: { type: 1, deleted: 1, _id: 1 }, name: 'type_live_id' },
    // _lastUpdated ranges and sorts.
    { key: { type: 1, deleted: 1, lastUpdated: 1, _id: 1 }, name: 'type_live_updated' },
    // _sort=_id.
    { key: { type: 1, deleted: 1, id: 1 }, name: 'type_live_logical_id' },
    // Token, reference, uri, :exact and :missing keys (multikey), then the type.
    { key: { k: 1, type: 1 }, name: 'keys' },
    // Normalised strings: anchored regexes are index ranges.
    { key: { s: 1, type: 1 }, name: 'strings' },
  ],
  versions: [
    // The unique _id (Type/id/version) detects conflicts; this one serves instance history and vread.
    { key: { type: 1, id: 1, version: -1 }, name: 'instance_history', unique: true },
    { key: { lastUpdated: -1, _id: -1 }, name: 'system_history' },
    { key: { type: 1, lastUpdated: -1, _id: -1 }, name: 'type_history' },
  ],
  leases: [{ key: { name: 1, epoch: -1 }, name: 'lease_epochs', unique: true }],
  // The claimed key is the unique _id; this one finds a resource's claims to release them.
  claims: [{ key: { holder: 1 }, name: 'claims_by_holder' }],
};

/**
 * Range keys live under per-parameter field names (rg.<code>.lo/hi), which only a wildcard index covers.
 * FerretDB v1 accepts the wildcard index but then fails every insert, so it is created on MongoDB only
 * (FerretDB scans anyway: its indexes do not speed up queries).
 */
export const MONGODB_ONLY_INDEXES: Record<string, IndexDescription[]> = {
  resources: [{ key: { 'rg.$**': 1 }, name: 'ranges' }],
};

/** What migrations may use besides the database: the current search-key derivation, for re-indexing. */
export interface MigrationEnv {
  searchKeys(resource: Resource): SearchKeys;
}

export interface Migration {
  version: number;
  description: string;
  up(db: Db, env: MigrationEnv): Promise<void>;
}

/**
 * Schema changes, in order. Each runs once per database: the `migrations` collection records applied
 * versions with a unique _id, so two processes starting together apply each migration once (the loser of
 * the insert skips it). Migrations must therefore be idempotent up to that insert.
 */
export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    description: 'collections resources, versions, leases',
    async up(db) {
      const existing = new Set((await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name));
      for (const name of ['resources', 'versions', 'leases']) if (!existing.has(name)) await db.createCollection(name).catch(() => undefined);
    },
  },
  {
    version: 2,
    description: 're-derive the search keys of current resources (composite components, number/quantity and uri keys)',
    up: reindexCurrentResources,
  },
  {
    version: 3,
    description: 'collection claims (unique keys such as an INS, each held by one resource)',
    async up(db) {
      const existing = await db.listCollections({ name: 'claims' }, { nameOnly: true }).toArray();
      if (existing.length === 0) await db.createCollection('claims').catch(() => undefined);
    },
  },
];

/**
 * Recomputes the search keys of every live current document from its stored content. Guarded by the version
 * it read, so a write racing with the migration keeps its own (already current) keys.
 */
async function reindexCurrentResources(db: Db, env: MigrationEnv): Promise<void> {
  const resources = db.collection<{ _id: string; version: number; content: string | null }>('resources');
  const cursor = resources.find({ deleted: false }, { projection: { _id: 1, version: 1, content: 1 } });
  for await (const doc of cursor) {
    if (doc.content === null) continue;
    const keys = env.searchKeys(readJson(doc.content) as Resource);
    await resources.updateOne({ _id: doc._id, version: doc.version }, { $set: keys });
  }
}

export async function ensureSchema(
  db: Db,
  options: { ferretdb: boolean; now: () => number; env: MigrationEnv },
): Promise<number[]> {
  const migrations = db.collection<{ _id: number; description: string; appliedAt: Date }>('migrations');
  const applied = new Set((await migrations.find({}).toArray()).map((m) => m._id));
  const ran: number[] = [];
  for (const m of MIGRATIONS) {
    if (applied.has(m.version)) continue;
    await m.up(db, options.env);
    try {
      await migrations.insertOne({ _id: m.version, description: m.description, appliedAt: new Date(options.now()) });
      ran.push(m.version);
    } catch (err) {
      if ((err as { code?: unknown }).code !== 11000) throw err;
    }
  }
  for (const [name, indexes] of Object.entries(INDEXES)) await createMissing(db, name, indexes);
  if (!options.ferretdb) {
    for (const [name, indexes] of Object.entries(MONGODB_ONLY_INDEXES)) await createMissing(db, name, indexes);
  }
  return ran;
}

/**
 * One createIndexes per missing index: FerretDB v1 drops the connection (a server panic) when one
 * createIndexes command names several indexes that already exist.
 */
async function createMissing(db: Db, collection: string, indexes: IndexDescription[]): Promise<void> {
  const existing = new Set(
    (await db.collection(collection).listIndexes().toArray().catch(() => [])).map((i) => i.name as string),
  );
  for (const index of indexes) {
    if (index.name && existing.has(index.name)) continue;
    await db.collection(collection).createIndexes([index]);
  }
}
