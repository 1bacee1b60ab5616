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
      s = { ids, writer: new IndexWriter(db, ids) };
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
      const { ids } = state(db);
      const compiled = compileSearch(definitions, ids, request);
      let total: number | undefined;
      if (request.total !== 'none' || request.count === 0) {
        total = (db.prepare(compiled.count.text).get(...compiled.count.args) as { n: number }).n;
      }
      if (request.count === 0) return { rids: [], total, hasMore: false };
      const rows = db.prepare(compiled.page.text).raw().all(...compiled.page.args) as [number][];
      const hasMore = rows.length > request.count;
      const rids = (hasMore ? rows.slice(0, request.count) : rows).map((row) => row[0]);
      return { rids, total, hasMore };
    },
  };
}
