import type Database from 'better-sqlite3';

/**
 * (resource type, parameter code) -> small integer, persisted in idx_param and cached per database.
 * Ids are created on first write; a search for a pair never written gets no id (it can match nothing).
 * An id created inside a transaction that is then rolled back no longer exists, and SQLite reuses the
 * integer for the next new pair: the owner must call clear() after every rollback on the connection.
 */
export class ParamIds {
  private readonly cache = new Map<string, number>();
  private readonly select: Database.Statement<[string, string], { id: number }>;
  private readonly insert: Database.Statement<[string, string]>;

  constructor(db: Database.Database) {
    this.select = db.prepare('SELECT id FROM idx_param WHERE type = ? AND code = ?');
    this.insert = db.prepare('INSERT OR IGNORE INTO idx_param (type, code) VALUES (?, ?)');
  }

  /** The id, created if needed (call inside the write transaction). */
  ensure(type: string, code: string): number {
    const key = type + '\0' + code;
    let id = this.cache.get(key);
    if (id === undefined) {
      id = this.select.get(type, code)?.id;
      if (id === undefined) {
        this.insert.run(type, code);
        id = (this.select.get(type, code) as { id: number }).id;
      }
      this.cache.set(key, id);
    }
    return id;
  }

  /** Forgets every cached id (after a rollback: some may have been undone). */
  clear(): void {
    this.cache.clear();
  }

  /** Existing ids for a code over several types (no row means nothing was ever indexed under it). */
  lookup(types: readonly string[], code: string): number[] {
    const ids: number[] = [];
    for (const type of types) {
      const key = type + '\0' + code;
      let id = this.cache.get(key);
      if (id === undefined) {
        id = this.select.get(type, code)?.id;
        if (id !== undefined) this.cache.set(key, id);
      }
      if (id !== undefined) ids.push(id);
    }
    return ids;
  }
}
