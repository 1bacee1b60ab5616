import type Database from 'better-sqlite3';
import { conflict } from '../../kernel/errors';
import type { ClaimHolder } from '../store';

interface HolderRow {
  key: string;
  rid: number;
  type: string;
  id: string;
}

/**
 * The `claims` table on one connection: unique keys (WriteOptions.claims), each held by one resource row.
 * Writes run inside the writer's open transaction, so the check and the change cannot interleave with
 * another write; the primary key on `key` is the backstop.
 */
export class ClaimRows {
  private readonly selectHolders: Database.Statement<[string], HolderRow>;
  private readonly deleteOf?: Database.Statement<[number]>;
  private readonly insert?: Database.Statement<[string, number]>;
  private readonly selectDone: Database.Statement<[string], { name: string }>;
  private readonly insertDone?: Database.Statement<[string, number]>;

  constructor(db: Database.Database, writable: boolean) {
    this.selectHolders = db.prepare(
      'SELECT c.key, c.rid, r.type, r.id FROM claims c JOIN resources r ON r.rid = c.rid ' +
        'WHERE c.key IN (SELECT value FROM json_each(?))',
    );
    this.selectDone = db.prepare('SELECT name FROM claim_backfills WHERE name = ?');
    if (!writable) return;
    this.insertDone = db.prepare('INSERT OR IGNORE INTO claim_backfills (name, done_at) VALUES (?, ?)');
    this.deleteOf = db.prepare('DELETE FROM claims WHERE rid = ?');
    this.insert = db.prepare('INSERT INTO claims (key, rid) VALUES (?, ?)');
  }

  holders(keys: readonly string[]): ClaimHolder[] {
    if (keys.length === 0) return [];
    return this.selectHolders.all(JSON.stringify(keys)).map(({ key, type, id }) => ({ key, resourceType: type, id }));
  }

  /** Throws 409 (before anything changes) when a resource other than `rid` holds one of `keys`. */
  checkFree(keys: readonly string[], rid: number | undefined, label: string): void {
    if (keys.length === 0) return;
    const taken = this.selectHolders.all(JSON.stringify(keys)).find((row) => row.rid !== rid);
    if (taken) throw conflict(`${label} claims a unique identifier already held by ${taken.type}/${taken.id}`);
  }

  /** The claims of `rid` become exactly `keys`. */
  replace(rid: number, keys: readonly string[]): void {
    this.release(rid);
    for (const key of new Set(keys)) this.insert!.run(key, rid);
  }

  /** Adds those of `keys` nobody holds to `rid`; returns the holders of the others, when not `rid` itself. */
  add(rid: number, keys: readonly string[]): ClaimHolder[] {
    const held = new Map(this.selectHolders.all(JSON.stringify(keys)).map((row) => [row.key, row]));
    const others: ClaimHolder[] = [];
    for (const key of new Set(keys)) {
      const row = held.get(key);
      if (!row) this.insert!.run(key, rid);
      else if (row.rid !== rid) others.push({ key, resourceType: row.type, id: row.id });
    }
    return others;
  }

  backfillDone(name: string): boolean {
    return this.selectDone.get(name) !== undefined;
  }

  markBackfillDone(name: string, now: number): void {
    this.insertDone!.run(name, now);
  }

  release(rid: number): void {
    this.deleteOf!.run(rid);
  }
}
