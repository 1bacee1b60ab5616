import type Database from 'better-sqlite3';
import type { Resource } from '@medplum/fhirtypes';
import type { Definitions } from '../../../fhir/conformance/definitions';
import { createExtractor, type Extractor, type ExtractorOptions } from '../../../fhir/search/extract';
import { ESTIMATED_TOTAL_CAP, type SearchRequest } from '../../../fhir/search/search-request';
import type { EmbeddedSearchIndex, EmbeddedSearchPage } from '../search-index';
import { compileSearch } from './compile-search';
import type { Sql } from './compile-value';
import { findIncluded, MAX_INCLUDED } from './include-query';
import { migrateIndex } from './index-schema';
import { encodeRows, IndexWriter } from './index-writer';
import { ParamIds } from './param-ids';
import { deleteAliasRows, findParamAliases } from './union-params';

interface PerDb {
  ids: ParamIds;
  writer: IndexWriter;
  statements: Map<string, Database.Statement>;
}

/** Distinct query shapes kept prepared per connection (SQL text only depends on the request's shape). */
const STATEMENT_CACHE_SIZE = 256;

function prepared(s: PerDb, db: Database.Database, sql: string): Database.Statement {
  let statement = s.statements.get(sql);
  if (statement) {
    s.statements.delete(sql);
  } else {
    statement = db.prepare(sql);
    if (s.statements.size >= STATEMENT_CACHE_SIZE) s.statements.delete(s.statements.keys().next().value as string);
  }
  s.statements.set(sql, statement);
  return statement;
}

export interface EmbeddedSearchIndexOptions extends ExtractorOptions {
  extractor?: Extractor;
}

/** The SQLite search index: extraction at write time, SQL compilation of SearchRequest at read time. */
export function createEmbeddedSearchIndex(
  definitions: Definitions,
  options: EmbeddedSearchIndexOptions = {},
): EmbeddedSearchIndex & { extractor: Extractor } {
  const extractor = options.extractor ?? createExtractor(definitions, options);
  const aliases = findParamAliases(definitions, extractor);
  const perDb = new WeakMap<Database.Database, PerDb>();
  const state = (db: Database.Database): PerDb => {
    let s = perDb.get(db);
    if (!s) {
      const ids = new ParamIds(db, aliases);
      s = { ids, writer: new IndexWriter(db, ids), statements: new Map() };
      perDb.set(db, s);
    }
    return s;
  };

  return {
    extractor,
    migrate(db) {
      migrateIndex(db);
      deleteAliasRows(db, aliases);
    },
    indexRows: (resource: Resource) => encodeRows(extractor.extract(resource)),
    write(db, rid, resourceType, rows) {
      state(db).writer.replace(rid, resourceType, rows);
    },
    remove(db, rid) {
      state(db).writer.remove(rid);
    },
    afterRollback(db) {
      // Prepared statements and the union parameters stay valid; only cached rows can be undone.
      perDb.get(db)?.ids.clear();
    },
    search(db, request: SearchRequest): EmbeddedSearchPage {
      const s = state(db);
      const prepare = (sql: string) => prepared(s, db, sql);
      const estimate = (rids: Sql, cap: number) =>
        (prepare(`SELECT COUNT(*) AS n FROM (${rids.text} LIMIT ?)`).get(...rids.args, cap) as { n: number }).n;
      const compiled = compileSearch(definitions, s.ids, request, estimate);
      const countTotal = () => (prepare(compiled.count.text).get(...compiled.count.args) as { n: number }).n;
      if (request.count === 0) return { rids: [], total: countTotal(), hasMore: false };
      const rows = prepare(compiled.page.text).raw(true).all(...compiled.page.args) as (number | string | null)[][];
      const extra = rows.length > request.count;
      const pageRows = extra ? rows.slice(0, request.count) : rows;
      if (compiled.reverse) pageRows.reverse();
      const page: EmbeddedSearchPage = { rids: pageRows.map((row) => row[0] as number), hasMore: false };
      const keysOf = (row: (number | string | null)[]) => [...row.slice(1), row[0]];
      const first = pageRows[0];
      const last = pageRows[pageRows.length - 1];
      // Forward: an extra row means a next page. Backward (previous link): an extra row means another
      // previous page, and the page we came from always follows.
      const hasNext = compiled.reverse ? pageRows.length > 0 : extra;
      const hasPrevious = compiled.reverse ? extra : request.cursor !== undefined || request.offset > 0;
      if (hasNext && last) page.next = { keys: keysOf(last), after: true };
      if (hasPrevious && first) page.previous = { keys: keysOf(first), after: false };
      page.hasMore = hasNext;
      if (request.total === 'accurate') page.total = countTotal();
      else if (request.total === 'estimate') {
        // A page holding the last match gives the count; otherwise count up to the cap, one past it telling "more".
        const lastPage = !request.cursor && !extra && (request.offset === 0 || pageRows.length > 0);
        const n = lastPage ? request.offset + pageRows.length : estimate(compiled.matchRows, ESTIMATED_TOTAL_CAP + 1);
        if (n <= ESTIMATED_TOTAL_CAP || lastPage) page.total = n;
      }
      if ((request.include?.length || request.revinclude?.length) && page.rids.length > 0) {
        const found = findIncluded(definitions, s.ids, prepare, request.include ?? [], request.revinclude ?? [], page.rids);
        page.included = found.rids;
        if (found.truncated) page.warnings = [`Included resources were limited to ${MAX_INCLUDED} for this page`];
      }
      return page;
    },
  };
}
