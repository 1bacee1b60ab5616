import type Database from 'better-sqlite3';
import type { IndexEntry } from '../../../fhir/search/index-entry';
import { INDEX_TABLES } from './index-schema';
import type { ParamIds } from './param-ids';

/** Rows per multi-row INSERT: one statement run per table and resource in the common case. */
const CHUNK = 32;

const COLUMNS: Record<IndexEntry['kind'], [table: string, width: number]> = {
  string: ['idx_string', 5],
  token: ['idx_token', 5],
  reference: ['idx_reference', 7],
  date: ['idx_date', 5],
  number: ['idx_number', 6],
  quantity: ['idx_quantity', 8],
  uri: ['idx_uri', 4],
};

/**
 * A resource's index rows, per kind, as flat arrays: each row is its parameter code followed by the table's
 * columns after `param_id` (group, values...). Plain arrays of strings and numbers, so they cross to a writer
 * thread at a fraction of the cost of entry objects; the writer adds rid and param_id.
 */
export type IndexRows = Partial<Record<IndexEntry['kind'], (string | number)[]>>;

/** Extracted entries as rows, without the exact duplicates the extractor leaves in. */
export function encodeRows(entries: readonly IndexEntry[]): IndexRows {
  const rows: IndexRows = {};
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    // The extractor does not deduplicate (a Set of keys cost it a fifth of its time). An exact duplicate
    // almost always repeats one of the two entries just before it (one value on several repeating elements,
    // a token alternating with its `:text`): 13 % of the ingest data set's entries, all caught by these two
    // comparisons. Any other duplicate is still dropped by INSERT OR IGNORE.
    if ((i > 0 && sameEntry(e, entries[i - 1])) || (i > 1 && sameEntry(e, entries[i - 2]))) continue;
    const out = (rows[e.kind] ??= []);
    switch (e.kind) {
      case 'string':
        out.push(e.code, e.group, e.norm, e.exact);
        break;
      case 'token':
        out.push(e.code, e.group, e.system, e.value);
        break;
      case 'reference':
        out.push(e.code, e.group, e.targetType ?? '', e.targetId ?? '', e.url ?? '', e.version ?? '');
        break;
      case 'date':
        out.push(e.code, e.group, e.low, e.high);
        break;
      case 'number':
        out.push(e.code, e.group, e.value, e.low, e.high);
        break;
      case 'quantity':
        out.push(e.code, e.group, e.system, e.unit, e.value, finite(e.low), finite(e.high));
        break;
      case 'uri':
        out.push(e.code, e.group, e.value);
        break;
    }
  }
  return rows;
}

/**
 * Writes a resource's index rows. One instance per database connection. Rows are grouped per table and
 * inserted with multi-row INSERT statements (prepared once per table and row count), and the deletes are
 * skipped for a resource at version 1 (it cannot have rows yet). Measured: both gain little; the cost is
 * SQLite's secondary-index inserts (random positions), about 2.5 µs per row and index.
 */
export class IndexWriter {
  private readonly deletes: Database.Statement<[number]>[];
  private readonly inserts = new Map<string, Database.Statement>();
  private readonly versionOf: Database.Statement<[number], { version: number }>;

  constructor(private readonly db: Database.Database, private readonly params: ParamIds) {
    this.deletes = INDEX_TABLES.map((t) => db.prepare(`DELETE FROM ${t} WHERE rid = ?`));
    this.versionOf = db.prepare('SELECT version FROM resources WHERE rid = ?');
  }

  remove(rid: number): void {
    for (const d of this.deletes) d.run(rid);
  }

  /** Replaces the rows of `rid`; `fresh` (or a resources row at version 1) means there are none to delete. */
  replace(rid: number, resourceType: string, rows: IndexRows, fresh?: boolean): void {
    if (!(fresh ?? this.versionOf.get(rid)?.version === 1)) this.remove(rid);
    this.insert(rid, resourceType, rows);
  }

  insert(rid: number, resourceType: string, rows: IndexRows): void {
    const idOf = this.params.writeIds(resourceType);
    for (const kind of Object.keys(rows) as IndexEntry['kind'][]) {
      const values = rows[kind] as (string | number)[];
      const [table, width] = COLUMNS[kind];
      const stride = width - 1; // code + the columns after param_id
      const args: (string | number)[] = [];
      for (let i = 0; i < values.length; i += stride) {
        const p = idOf(values[i] as string);
        if (p === 0) continue; // a union parameter's code: its parts' rows answer it
        args.push(rid, p);
        for (let k = 1; k < stride; k++) args.push(values[i + k]);
      }
      const step = CHUNK * width;
      for (let i = 0; i < args.length; i += step) {
        const chunk = i === 0 && args.length <= step ? args : args.slice(i, i + step);
        this.statement(table, width, chunk.length / width).run(...chunk);
      }
    }
  }

  private statement(table: string, width: number, n: number): Database.Statement {
    const key = `${table}/${n}`;
    let s = this.inserts.get(key);
    if (!s) {
      const row = `(${new Array(width).fill('?').join(', ')})`;
      s = this.db.prepare(`INSERT OR IGNORE INTO ${table} VALUES ${new Array(n).fill(row).join(', ')}`);
      this.inserts.set(key, s);
    }
    return s;
  }
}

function sameEntry(a: IndexEntry, b: IndexEntry): boolean {
  if (a.code !== b.code || a.group !== b.group || a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'string':
      return a.exact === (b as typeof a).exact && a.norm === (b as typeof a).norm;
    case 'token':
      return a.value === (b as typeof a).value && a.system === (b as typeof a).system;
    case 'reference': {
      const r = b as typeof a;
      return a.targetId === r.targetId && a.targetType === r.targetType && a.url === r.url && a.version === r.version;
    }
    case 'date':
      return a.low === (b as typeof a).low && a.high === (b as typeof a).high;
    case 'number':
      return a.value === (b as typeof a).value && a.low === (b as typeof a).low && a.high === (b as typeof a).high;
    case 'quantity': {
      const q = b as typeof a;
      return a.value === q.value && a.unit === q.unit && a.system === q.system && a.low === q.low && a.high === q.high;
    }
    case 'uri':
      return a.value === (b as typeof a).value;
  }
}

/** SQLite REAL has no infinities through the driver; use the largest doubles instead. */
function finite(n: number): number {
  return n === Infinity ? Number.MAX_VALUE : n === -Infinity ? -Number.MAX_VALUE : n;
}
