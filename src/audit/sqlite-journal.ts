import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { AuditRecord } from '../kernel/audit-sink';
import type { AuditJournal, JournalEntry } from './journal';

export const JOURNAL_FILE = 'audit-journal.sqlite';

/**
 * The embedded journal: its own SQLite file beside the store (WAL, synchronous=FULL, so a committed append
 * survives power loss). Processes sharing the data folder share the file. Entry ids are the file's random
 * identity and the row id: a journal file recreated after loss never reuses the ids of entries already moved.
 */
export class SqliteJournal implements AuditJournal {
  private readonly db: Database.Database;
  private readonly instance: string;
  private readonly insert: Database.Statement<[string]>;
  private readonly selectOldest: Database.Statement<[number], { rowid: number; record: string }>;
  private readonly deleteOne: Database.Statement<[number]>;
  private readonly appendAll: (records: readonly AuditRecord[]) => void;

  constructor(dataDir: string, busyTimeoutMs = 5000) {
    mkdirSync(dataDir, { recursive: true });
    this.db = new Database(join(dataDir, JOURNAL_FILE), { timeout: busyTimeoutMs });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS journal_identity (one INTEGER PRIMARY KEY CHECK (one = 1), instance TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS journal (rowid INTEGER PRIMARY KEY AUTOINCREMENT, record TEXT NOT NULL);
    `);
    this.db.prepare('INSERT OR IGNORE INTO journal_identity (one, instance) VALUES (1, ?)').run(randomUUID().replace(/-/g, ''));
    this.instance = (this.db.prepare('SELECT instance FROM journal_identity').get() as { instance: string }).instance;
    this.insert = this.db.prepare('INSERT INTO journal (record) VALUES (?)');
    this.selectOldest = this.db.prepare('SELECT rowid, record FROM journal ORDER BY rowid LIMIT ?');
    this.deleteOne = this.db.prepare('DELETE FROM journal WHERE rowid = ?');
    this.appendAll = this.db.transaction((records: readonly AuditRecord[]) => {
      for (const r of records) this.insert.run(JSON.stringify(r));
    });
  }

  async append(records: readonly AuditRecord[]): Promise<void> {
    if (records.length > 0) this.appendAll(records);
  }

  async oldest(limit: number): Promise<JournalEntry[]> {
    return this.selectOldest.all(limit).map((row) => ({ id: `${this.instance}-${row.rowid}`, record: JSON.parse(row.record) as AuditRecord }));
  }

  async remove(ids: readonly string[]): Promise<void> {
    const prefix = `${this.instance}-`;
    this.db.transaction(() => {
      for (const id of ids) if (id.startsWith(prefix)) this.deleteOne.run(Number(id.slice(prefix.length)));
    })();
  }

  async size(): Promise<number> {
    return (this.db.prepare('SELECT count(*) AS n FROM journal').get() as { n: number }).n;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
