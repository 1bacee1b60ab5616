import type Database from 'better-sqlite3';
import type { HistoryPage, HistoryQuery } from '../store';
import { instantToMillis, toRecord, versionColumns, type VersionRow } from './version-rows';

/**
 * History at instance, type and system level. Each shape of query (level x since x at) compiles to one SQL
 * text whose statement is prepared once and cached. Ordering "last_updated DESC, rowid DESC" follows the
 * versions_by_time / versions_by_type_time indexes (rowid is their implicit last column), so a page is an
 * index range scan; rowid also orders versions written within the same millisecond by insertion.
 */
export class HistoryQueries {
  private readonly cache = new Map<string, Database.Statement>();
  private readonly ridOf: Database.Statement<[string, string], { rid: number }>;

  constructor(private readonly db: Database.Database) {
    this.ridOf = db.prepare('SELECT rid FROM resources WHERE type = ? AND id = ?');
  }

  run(query: HistoryQuery): HistoryPage {
    const params: Record<string, string | number> = {};
    const where: string[] = [];
    let order = 'v.last_updated DESC, v.rowid DESC';
    if (query.id !== undefined) {
      if (query.resourceType === undefined) throw new TypeError('instance history needs a resourceType');
      const found = this.ridOf.get(query.resourceType, query.id);
      if (!found) return { entries: [], total: 0 };
      where.push('v.rid = @rid');
      params.rid = found.rid;
      order = 'v.version DESC';
    } else if (query.resourceType !== undefined) {
      where.push('v.type = @type');
      params.type = query.resourceType;
    }
    if (query.since !== undefined) {
      where.push('v.last_updated >= @since');
      params.since = instantToMillis(query.since, '_since');
    }
    if (query.at !== undefined) {
      // The version current at `at`: written at or before it, with no later version also written by then.
      where.push('v.last_updated <= @at');
      where.push(
        'NOT EXISTS (SELECT 1 FROM versions n WHERE n.rid = v.rid AND n.version > v.version AND n.last_updated <= @at)',
      );
      params.at = instantToMillis(query.at, '_at');
    }
    const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const total = (this.statement(`SELECT count(*) AS n FROM versions v ${filter}`).get(params) as { n: number }).n;
    if (query.count <= 0 || query.offset >= total) return { entries: [], total };
    const rows = this.statement(
      `SELECT ${versionColumns} FROM versions v JOIN resources r ON r.rid = v.rid ${filter} ` +
        `ORDER BY ${order} LIMIT @limit OFFSET @offset`,
    ).all({ ...params, limit: query.count, offset: Math.max(0, query.offset) }) as VersionRow[];
    return { entries: rows.map(toRecord), total };
  }

  private statement(sql: string): Database.Statement {
    let stmt = this.cache.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.cache.set(sql, stmt);
    }
    return stmt;
  }
}
