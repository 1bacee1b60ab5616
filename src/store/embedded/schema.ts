import type Database from 'better-sqlite3';

/**
 * Versioned migrations of the store's own tables. Applied in order at start-up inside one IMMEDIATE
 * transaction, so two processes opening the same file at once cannot both apply a step.
 * Never edit a released step: add a new one.
 */
interface Migration {
  version: number;
  description: string;
  sql: string;
}

const migrations: Migration[] = [
  {
    version: 1,
    description: 'resources (current version per logical id) and versions (every version, deletions included)',
    sql: `
      CREATE TABLE resources (
        rid INTEGER PRIMARY KEY,
        type TEXT NOT NULL,
        id TEXT NOT NULL,
        version INTEGER NOT NULL,
        last_updated INTEGER NOT NULL,
        deleted INTEGER NOT NULL,
        content TEXT,
        UNIQUE (type, id)
      );
      -- type is copied from resources so that type-level history is one ordered index range.
      CREATE TABLE versions (
        rid INTEGER NOT NULL REFERENCES resources (rid),
        version INTEGER NOT NULL,
        type TEXT NOT NULL,
        last_updated INTEGER NOT NULL,
        deleted INTEGER NOT NULL,
        method TEXT NOT NULL,
        content TEXT,
        PRIMARY KEY (rid, version)
      );
      CREATE INDEX versions_by_time ON versions (last_updated);
      CREATE INDEX versions_by_type_time ON versions (type, last_updated);
    `,
  },
  {
    version: 2,
    description: 'claims: unique keys (such as an INS) each held by at most one resource',
    sql: `
      CREATE TABLE claims (
        key TEXT PRIMARY KEY,
        rid INTEGER NOT NULL REFERENCES resources (rid)
      ) WITHOUT ROWID;
      CREATE INDEX claims_by_resource ON claims (rid);
      -- Backfills of claims for resources stored before a write rule existed, once each.
      CREATE TABLE claim_backfills (name TEXT PRIMARY KEY, done_at INTEGER NOT NULL);
    `,
  },
];

export const latestSchemaVersion = migrations[migrations.length - 1].version;

/** Brings the schema to the latest version; a no-op when it is already there. Returns the versions applied. */
export function migrate(db: Database.Database, now: () => number): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const apply = db.transaction(() => {
    const row = db.prepare('SELECT max(version) AS v FROM schema_version').get() as { v: number | null };
    const current = row.v ?? 0;
    if (current > latestSchemaVersion) {
      throw new Error(`database schema version ${current} is newer than this Lucarne (${latestSchemaVersion})`);
    }
    const applied: number[] = [];
    const record = db.prepare('INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)');
    for (const m of migrations) {
      if (m.version <= current) continue;
      db.exec(m.sql);
      record.run(m.version, m.description, now());
      applied.push(m.version);
    }
    return applied;
  });
  return apply.immediate();
}
