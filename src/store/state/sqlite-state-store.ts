import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Clock } from '../../kernel/clock';
import type { StateEntry, StateStore, StateValue } from './state-store';

/** How often expired entries are purged (each call purges at most PURGE_BATCH rows). */
const PURGE_EVERY_MS = 60_000;
const PURGE_BATCH = 1000;

interface Row {
  key: string;
  value: string;
  expires_at: number | null;
}

/**
 * The state store of the embedded backend: its own SQLite file `state.sqlite` in the data folder, apart
 * from the FHIR data. synchronous=FULL, since a redeemed code or a used assertion jti must survive a crash.
 * Every call is one statement, so processes sharing the file (the server and the CLI) stay consistent:
 * `insert` replaces only an absent or expired entry, in one statement, and reports whether it did.
 */
export class SqliteStateStore implements StateStore {
  private readonly db: Database.Database;
  private readonly statements;
  private lastPurge = 0;
  private closed = false;

  constructor(dataDir: string, private readonly clock: Clock) {
    mkdirSync(dataDir, { recursive: true });
    this.db = new Database(join(dataDir, 'state.sqlite'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS state (space TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, expires_at INTEGER, PRIMARY KEY (space, key));' +
        'CREATE INDEX IF NOT EXISTS state_expiry ON state (expires_at) WHERE expires_at IS NOT NULL;',
    );
    this.statements = {
      insert: this.db.prepare(
        'INSERT INTO state (space, key, value, expires_at) VALUES (?, ?, ?, ?) ' +
          'ON CONFLICT (space, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at WHERE state.expires_at IS NOT NULL AND state.expires_at <= ?',
      ),
      put: this.db.prepare('INSERT OR REPLACE INTO state (space, key, value, expires_at) VALUES (?, ?, ?, ?)'),
      get: this.db.prepare<[string, string, number], Row>('SELECT key, value, expires_at FROM state WHERE space = ? AND key = ? AND (expires_at IS NULL OR expires_at > ?)'),
      delete: this.db.prepare('DELETE FROM state WHERE space = ? AND key = ? AND (expires_at IS NULL OR expires_at > ?)'),
      list: this.db.prepare<[string, number], Row>('SELECT key, value, expires_at FROM state WHERE space = ? AND (expires_at IS NULL OR expires_at > ?) ORDER BY key'),
      purge: this.db.prepare(`DELETE FROM state WHERE rowid IN (SELECT rowid FROM state WHERE expires_at IS NOT NULL AND expires_at <= ? LIMIT ${PURGE_BATCH})`),
    };
  }

  async insert(space: string, key: string, value: StateValue, expiresAt?: number): Promise<boolean> {
    const now = this.now();
    return this.statements.insert.run(space, key, JSON.stringify(value), expiresAt ?? null, now).changes === 1;
  }

  async put(space: string, key: string, value: StateValue, expiresAt?: number): Promise<void> {
    this.now();
    this.statements.put.run(space, key, JSON.stringify(value), expiresAt ?? null);
  }

  async get(space: string, key: string): Promise<StateValue | undefined> {
    const row = this.statements.get.get(space, key, this.now());
    return row ? (JSON.parse(row.value) as StateValue) : undefined;
  }

  async delete(space: string, key: string): Promise<boolean> {
    return this.statements.delete.run(space, key, this.now()).changes === 1;
  }

  async list(space: string): Promise<StateEntry[]> {
    return this.statements.list.all(space, this.now()).map((row) => ({
      key: row.key,
      value: JSON.parse(row.value) as StateValue,
      ...(row.expires_at === null ? {} : { expiresAt: row.expires_at }),
    }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  /** The current time; purges a batch of expired rows now and then (they are already invisible). */
  private now(): number {
    const now = this.clock.now().getTime();
    if (now - this.lastPurge >= PURGE_EVERY_MS) {
      this.lastPurge = now;
      this.statements.purge.run(now);
    }
    return now;
  }
}
