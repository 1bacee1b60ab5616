import type Database from 'better-sqlite3';
import type { IndexEntry } from '../../../fhir/search/index-entry';
import { INDEX_TABLES } from './index-schema';
import type { ParamIds } from './param-ids';

/** Prepared statements that replace a resource's index rows. One instance per database connection. */
export class IndexWriter {
  private readonly deletes: Database.Statement<[number]>[];
  private readonly insertString: Database.Statement;
  private readonly insertToken: Database.Statement;
  private readonly insertReference: Database.Statement;
  private readonly insertDate: Database.Statement;
  private readonly insertNumber: Database.Statement;
  private readonly insertQuantity: Database.Statement;
  private readonly insertUri: Database.Statement;

  constructor(db: Database.Database, private readonly params: ParamIds) {
    this.deletes = INDEX_TABLES.map((t) => db.prepare(`DELETE FROM ${t} WHERE rid = ?`));
    const ins = (table: string, n: number) =>
      db.prepare(`INSERT OR IGNORE INTO ${table} VALUES (${new Array(n).fill('?').join(', ')})`);
    this.insertString = ins('idx_string', 5);
    this.insertToken = ins('idx_token', 5);
    this.insertReference = ins('idx_reference', 7);
    this.insertDate = ins('idx_date', 5);
    this.insertNumber = ins('idx_number', 6);
    this.insertQuantity = ins('idx_quantity', 8);
    this.insertUri = ins('idx_uri', 4);
  }

  remove(rid: number): void {
    for (const d of this.deletes) d.run(rid);
  }

  insert(rid: number, resourceType: string, entries: readonly IndexEntry[]): void {
    for (const e of entries) {
      const p = this.params.ensure(resourceType, e.code);
      switch (e.kind) {
        case 'string':
          this.insertString.run(rid, p, e.group, e.norm, e.exact);
          break;
        case 'token':
          this.insertToken.run(rid, p, e.group, e.system, e.value);
          break;
        case 'reference':
          this.insertReference.run(
            rid, p, e.group, e.targetType ?? '', e.targetId ?? '', e.url ?? '', e.version ?? '',
          );
          break;
        case 'date':
          this.insertDate.run(rid, p, e.group, e.low, e.high);
          break;
        case 'number':
          this.insertNumber.run(rid, p, e.group, e.value, e.low, e.high);
          break;
        case 'quantity':
          this.insertQuantity.run(rid, p, e.group, e.system, e.unit, e.value, finite(e.low), finite(e.high));
          break;
        case 'uri':
          this.insertUri.run(rid, p, e.group, e.value);
          break;
      }
    }
  }
}

/** SQLite REAL has no infinities through the driver; use the largest doubles instead. */
function finite(n: number): number {
  return n === Infinity ? Number.MAX_VALUE : n === -Infinity ? -Number.MAX_VALUE : n;
}
