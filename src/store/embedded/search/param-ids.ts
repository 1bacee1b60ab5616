import type Database from 'better-sqlite3';
import { NO_ALIASES, type ParamAliases } from './union-params';

/**
 * (resource type, parameter code) -> small integer, persisted in idx_param and cached per database.
 * Ids are created on first write; a search for a pair never written gets no id (it can match nothing).
 * An id created inside a transaction that is then rolled back no longer exists, and SQLite reuses the
 * integer for the next new pair: the owner must call clear() after every rollback on the connection.
 *
 * Codes of union parameters (see union-params.ts) get no id: their rows are not stored, and a lookup
 * answers with their parts' ids.
 */
export class ParamIds {
  /** Per type, code -> id; 0 for a code whose rows are not stored. */
  private readonly cache = new Map<string, Map<string, number>>();
  private readonly select: Database.Statement<[string, string], { id: number }>;
  private readonly insert: Database.Statement<[string, string]>;

  constructor(db: Database.Database, private readonly aliases: ParamAliases = NO_ALIASES) {
    this.select = db.prepare('SELECT id FROM idx_param WHERE type = ? AND code = ?');
    this.insert = db.prepare('INSERT OR IGNORE INTO idx_param (type, code) VALUES (?, ?)');
  }

  private codesOf(type: string): Map<string, number> {
    let codes = this.cache.get(type);
    if (!codes) this.cache.set(type, (codes = new Map()));
    return codes;
  }

  /**
   * The ids to write a type's rows under (call inside the write transaction): a function of the code,
   * giving the id (created if needed), or 0 when rows of that code are not stored.
   */
  writeIds(type: string): (code: string) => number {
    const codes = this.codesOf(type);
    return (code) => codes.get(code) ?? this.create(codes, type, code);
  }

  private create(codes: Map<string, number>, type: string, code: string): number {
    const stored = this.aliases.resolve(type, code);
    let id = 0;
    if (stored.length === 1 && stored[0] === code) {
      id = this.select.get(type, code)?.id ?? 0;
      if (id === 0) {
        this.insert.run(type, code);
        id = (this.select.get(type, code) as { id: number }).id;
      }
    }
    codes.set(code, id);
    return id;
  }

  /** Forgets every cached id (after a rollback: some may have been undone). */
  clear(): void {
    this.cache.clear();
  }

  /** The stored codes answering `code` on `type`: itself, or the parts of a union parameter. */
  storedCodes(type: string, code: string): readonly string[] {
    return this.aliases.resolve(type, code);
  }

  /**
   * Existing ids for a code over several types (no row means nothing was ever indexed under it), the parts'
   * for a union parameter.
   */
  lookup(types: readonly string[], code: string): number[] {
    const ids: number[] = [];
    for (const type of types) {
      const codes = this.codesOf(type);
      for (const c of this.aliases.resolve(type, code)) {
        let id = codes.get(c);
        if (id === undefined) {
          id = this.select.get(type, c)?.id;
          if (id !== undefined) codes.set(c, id);
        }
        if (id) ids.push(id);
      }
    }
    return ids;
  }
}
