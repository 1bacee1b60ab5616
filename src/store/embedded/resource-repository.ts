import type Database from 'better-sqlite3';
import type { Clock } from '../../kernel/clock';
import { conflict, preconditionFailed } from '../../kernel/errors';
import type { SearchRequest, SearchResult } from '../../fhir/search/search-request';
import type { ClaimHolder, HistoryPage, HistoryQuery, VersionRecord, WriteOptions } from '../store';
import { ClaimRows } from './claim-rows';
import type { EmbeddedSearchIndex } from './search-index';
import { HistoryQueries } from './history-query';
import { storedText, type PreparedResource } from './prepared-resource';
import { attachStoredJson } from './stored-json';
import { toRecord, versionColumns, type VersionRow } from './version-rows';
import { checkSearchLimits } from '../../fhir/search/search-limits';
import { withQueryLimits } from './query-limits';

interface CurrentRow {
  rid: number;
  version: number;
  last_updated: number;
  deleted: number;
}


/**
 * Every store operation on ONE connection, with statements prepared once. The store keeps two: one over the
 * writer connection (writes, and reads inside a transaction) and one over the read-only connection.
 *
 * Content is stored once, in `versions`; `resources.content` stays NULL and a read joins the current
 * version by primary key. Reading the duplicate from `resources` would save no B-tree lookup, because the
 * record also needs `method`, which only `versions` has, and it would double the bytes of every write.
 *
 * Writes run inside the connection's open transaction (WriterConnection begins it): a write that fails
 * before changing anything (412, 409) leaves nothing behind; one that fails after (see `unguarded`) poisons
 * the transaction, which the connection then rolls back whole.
 */
export class ResourceRepository {
  private readonly selectCurrent: Database.Statement<[string, string], CurrentRow>;
  private readonly selectRead: Database.Statement<[string, string], VersionRow>;
  private readonly selectVread: Database.Statement<[string, string, number], VersionRow>;
  private readonly selectByRids: Database.Statement<[string], VersionRow>;
  private readonly insertResource: Database.Statement;
  private readonly updateResource: Database.Statement;
  private readonly insertVersion: Database.Statement;
  private readonly historyQueries: HistoryQueries;
  private readonly claims: ClaimRows;
  private changing = false;
  private poison?: { error: unknown };
  private readonly writable: boolean;

  constructor(
    private readonly db: Database.Database,
    private readonly index: EmbeddedSearchIndex,
    private readonly clock: Clock,
    writable: boolean,
  ) {
    this.writable = writable;
    const current = 'FROM resources r JOIN versions v ON v.rid = r.rid AND v.version = r.version';
    this.selectCurrent = db.prepare('SELECT rid, version, last_updated, deleted FROM resources WHERE type = ? AND id = ?');
    this.selectRead = db.prepare(`SELECT ${versionColumns} ${current} WHERE r.type = ? AND r.id = ?`);
    this.selectVread = db.prepare(
      `SELECT ${versionColumns} FROM resources r JOIN versions v ON v.rid = r.rid ` +
        'WHERE r.type = ? AND r.id = ? AND v.version = ?',
    );
    this.selectByRids = db.prepare(
      `SELECT ${versionColumns} ${current} WHERE r.rid IN (SELECT value FROM json_each(?)) AND r.deleted = 0`,
    );
    this.historyQueries = new HistoryQueries(db);
    this.claims = new ClaimRows(db, writable);
    if (!writable) {
      this.insertResource = this.updateResource = this.insertVersion = this.selectCurrent;
      return;
    }
    this.insertResource = db.prepare(
      'INSERT INTO resources (type, id, version, last_updated, deleted, content) VALUES (?, ?, ?, ?, ?, NULL)',
    );
    this.updateResource = db.prepare('UPDATE resources SET version = ?, last_updated = ?, deleted = ? WHERE rid = ?');
    this.insertVersion = db.prepare(
      'INSERT INTO versions (rid, version, type, last_updated, deleted, method, content) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
  }

  read(resourceType: string, id: string): VersionRecord | undefined {
    const row = this.selectRead.get(resourceType, id);
    return row && toRecord(row);
  }

  vread(resourceType: string, id: string, versionId: string): VersionRecord | undefined {
    if (!/^[1-9][0-9]{0,15}$/.test(versionId)) return undefined;
    const row = this.selectVread.get(resourceType, id, Number(versionId));
    return row && toRecord(row);
  }

  history(query: HistoryQuery): HistoryPage {
    return this.historyQueries.run(query);
  }

  search(request: SearchRequest): SearchResult {
    checkSearchLimits(request);
    const page = withQueryLimits(() => this.index.search(this.db, request));
    const load = (rids: number[]) => {
      const rows = rids.length === 0 ? [] : this.selectByRids.all(JSON.stringify(rids));
      const byRid = new Map(rows.map((row) => [row.rid, row]));
      const records: VersionRecord[] = [];
      for (const rid of rids) {
        const row = byRid.get(rid);
        if (row) records.push(toRecord(row));
      }
      return records;
    };
    const result: SearchResult = { entries: load(page.rids), included: load(page.included ?? []), hasMore: page.hasMore };
    if (page.total !== undefined) result.total = page.total;
    if (page.warnings) result.warnings = page.warnings;
    if (page.next) result.next = page.next;
    if (page.previous) result.previous = page.previous;
    return result;
  }

  claimHolders(keys: readonly string[]): ClaimHolder[] {
    return this.claims.holders(keys);
  }

  /** ClaimsBackfill.addClaims on this connection's open transaction. */
  addClaims(resourceType: string, id: string, keys: readonly string[]): ClaimHolder[] {
    return this.unguarded(() => {
      const cur = this.selectCurrent.get(resourceType, id);
      if (!cur || cur.deleted === 1) return [];
      this.changing = true;
      return this.claims.add(cur.rid, keys);
    });
  }

  backfillDone(name: string): boolean {
    return this.claims.backfillDone(name);
  }

  markBackfillDone(name: string): void {
    this.unguarded(() => {
      this.changing = true;
      this.claims.markBackfillDone(name, this.clock.now().getTime());
    });
  }

  create(resource: PreparedResource, options: WriteOptions = {}): VersionRecord {
    return this.unguarded(() => this.doCreate(resource, options));
  }

  update(resource: PreparedResource, options: WriteOptions = {}): { record: VersionRecord; created: boolean } {
    return this.unguarded(() => this.doUpdate(resource, options));
  }

  delete(resourceType: string, id: string, options: WriteOptions = {}): VersionRecord | undefined {
    return this.unguarded(() => this.doDelete(resourceType, id, options));
  }

  /**
   * The error of a write that failed after changing rows, inside an open transaction, and was not undone:
   * that transaction must not commit (the store rolls it back). Read and cleared by the store.
   */
  takePoison(): { error: unknown } | undefined {
    const p = this.poison;
    this.poison = undefined;
    return p;
  }

  /**
   * Inside an open transaction a write runs without its own SAVEPOINT: measured, the savepoint per resource
   * cost ~25 % of the store's CPU on the ingest data set (each page it touches is first copied to the
   * sub-journal). Its checks (conflict, If-Match) run before any change, so those failures leave nothing
   * behind; a failure after the first change (SQLite error, extraction bug) poisons the transaction instead.
   */
  private unguarded<T>(fn: () => T): T {
    if (!this.writable) throw new Error('this connection is read-only');
    if (!this.db.inTransaction) throw new Error('a write needs the open transaction of its connection');
    this.changing = false;
    try {
      return fn();
    } catch (error) {
      if (this.changing) this.poison ??= { error };
      throw error;
    } finally {
      this.changing = false;
    }
  }

  private doCreate(resource: PreparedResource, options: WriteOptions): VersionRecord {
    const type = resource.resourceType;
    if (this.selectCurrent.get(type, resource.id)) throw conflict(`${type}/${resource.id} already exists`);
    if (options.ifMatch !== undefined) throw conflict(`${type}/${resource.id} does not exist`);
    if (options.claims) this.claims.checkFree(options.claims, undefined, `${type}/${resource.id}`);
    return this.writeContent(undefined, resource, options.method ?? 'POST', options.claims);
  }

  private doUpdate(resource: PreparedResource, options: WriteOptions): { record: VersionRecord; created: boolean } {
    const cur = this.selectCurrent.get(resource.resourceType, resource.id);
    const exists = cur !== undefined && cur.deleted === 0;
    if (options.ifMatch !== undefined) checkIfMatch(resource.resourceType, resource.id, cur, options.ifMatch);
    if (options.claims) this.claims.checkFree(options.claims, cur?.rid, `${resource.resourceType}/${resource.id}`);
    const record = this.writeContent(cur, resource, options.method ?? 'PUT', options.claims);
    return { record, created: !exists };
  }

  private doDelete(resourceType: string, id: string, options: WriteOptions): VersionRecord | undefined {
    const cur = this.selectCurrent.get(resourceType, id);
    if (options.ifMatch === '*') checkIfMatch(resourceType, id, cur, options.ifMatch);
    if (!cur || cur.deleted === 1) return undefined;
    if (options.ifMatch !== undefined) checkIfMatch(resourceType, id, cur, options.ifMatch);
    const version = cur.version + 1;
    const lastUpdated = this.nextInstant(cur);
    this.changing = true;
    this.updateResource.run(version, lastUpdated, 1, cur.rid);
    this.insertVersion.run(cur.rid, version, resourceType, lastUpdated, 1, options.method ?? 'DELETE', null);
    this.index.remove(this.db, cur.rid);
    this.claims.release(cur.rid);
    return toRecord({
      rid: cur.rid, type: resourceType, id, version, last_updated: lastUpdated, deleted: 1,
      method: options.method ?? 'DELETE', content: null,
    });
  }

  private writeContent(
    cur: CurrentRow | undefined, resource: PreparedResource, method: VersionRecord['method'], claims: readonly string[] | undefined,
  ) {
    const version = cur ? cur.version + 1 : 1;
    const lastUpdated = this.nextInstant(cur);
    const instant = new Date(lastUpdated).toISOString();
    const content = storedText(resource, String(version), instant);
    this.changing = true;
    let rid: number;
    if (cur) {
      rid = cur.rid;
      this.updateResource.run(version, lastUpdated, 0, rid);
    } else {
      rid = Number(this.insertResource.run(resource.resourceType, resource.id, version, lastUpdated, 0).lastInsertRowid);
    }
    this.insertVersion.run(rid, version, resource.resourceType, lastUpdated, 0, method, content);
    this.index.write(this.db, rid, resource.resourceType, resource.rows);
    if (claims) this.claims.replace(rid, claims);
    // The resource is parsed from `content` when first used, so the caller never shares objects with its
    // input or with later reads, and a caller that only needs the text (return=minimal) never parses.
    return attachStoredJson(
      { resourceType: resource.resourceType, id: resource.id, versionId: String(version), lastUpdated: instant, deleted: false, method },
      content,
    );
  }

  /** The clock's instant, but always after the resource's previous version (another process's clock may lag). */
  private nextInstant(cur: CurrentRow | undefined): number {
    const now = this.clock.now().getTime();
    return cur ? Math.max(now, cur.last_updated + 1) : now;
  }
}

/**
 * If-Match accepts the bare versionId and tolerates the ETag form W/"n". `*` (RFC 9110) matches any current
 * version, and fails with 412 when there is none.
 */
function checkIfMatch(type: string, id: string, cur: CurrentRow | undefined, ifMatch: string): void {
  if (ifMatch === '*') {
    if (!cur || cur.deleted === 1) throw preconditionFailed(`${type}/${id} does not exist, so If-Match: * does not match`);
    return;
  }
  if (!cur || cur.deleted === 1) throw conflict(`${type}/${id} does not exist, so If-Match cannot match`);
  const expected = ifMatch.replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
  if (expected !== String(cur.version)) throw preconditionFailed(`${type}/${id} is at version ${cur.version}, not ${expected}`);
}
