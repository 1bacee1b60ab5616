import type Database from 'better-sqlite3';
import type { Resource } from '@medplum/fhirtypes';
import type { Definitions } from '../../../fhir/conformance/definitions';
import { createExtractor, type Extractor, type ExtractorOptions } from '../../../fhir/search/extract';
import type { SearchRequest } from '../../../fhir/search/search-request';
import type { EmbeddedSearchIndex, EmbeddedSearchPage } from '../search-index';
import { compileSearch } from './compile-search';
import { migrateIndex } from './index-schema';
import { IndexWriter } from './index-writer';
import { ParamIds } from './param-ids';

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
  const perDb = new WeakMap<Database.Database, PerDb>();
  const state = (db: Database.Database): PerDb => {
    let s = perDb.get(db);
    if (!s) {
      const ids = new ParamIds(db);
      s = { ids, writer: new IndexWriter(db, ids), statements: new Map() };
      perDb.set(db, s);
    }
    return s;
  };

  return {
    extractor,
    migrate(db) {
      migrateIndex(db);
    },
    write(db, rid, resource: Resource) {
      const { writer } = state(db);
      writer.remove(rid);
      writer.insert(rid, resource.resourceType, extractor.extract(resource));
    },
    remove(db, rid) {
      state(db).writer.remove(rid);
    },
    search(db, request: SearchRequest): EmbeddedSearchPage {
      const s = state(db);
      const compiled = compileSearch(definitions, s.ids, request);
      let total: number | undefined;
      if (request.total !== 'none' || request.count === 0) {
        total = (prepared(s, db, compiled.count.text).get(...compiled.count.args) as { n: number }).n;
      }
      if (request.count === 0) return { rids: [], total, hasMore: false };
      const rows = prepared(s, db, compiled.page.text).raw(true).all(...compiled.page.args) as [number][];
      const hasMore = rows.length > request.count;
      const rids = (hasMore ? rows.slice(0, request.count) : rows).map((row) => row[0]);
      return { rids, total, hasMore };
    },
  };
}
