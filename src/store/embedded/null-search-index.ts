import type Database from 'better-sqlite3';
import type { SearchRequest } from '../../fhir/search/search-request';
import type { EmbeddedSearchIndex, EmbeddedSearchPage } from './search-index';

/**
 * TEST DOUBLE, not for production: an EmbeddedSearchIndex that stores nothing and answers only searches
 * without filters, sort or compartment (all current resources of the requested types, by rid), so the store
 * can be tested apart from the real index in ./search/. Any other search fails loudly.
 */
export const nullSearchIndex: EmbeddedSearchIndex = {
  migrate() {},
  indexRows: () => ({}),
  write() {},
  remove() {},
  afterRollback() {},
  search(db: Database.Database, request: SearchRequest): EmbeddedSearchPage {
    if (request.filters.length > 0 || request.sort.length > 0 || request.compartment) {
      throw new Error('nullSearchIndex answers only searches without filters, sort or compartment');
    }
    const types = JSON.stringify(request.resourceTypes);
    const where = 'deleted = 0 AND type IN (SELECT value FROM json_each(?))';
    const total = (db.prepare(`SELECT count(*) AS n FROM resources WHERE ${where}`).get(types) as { n: number }).n;
    const rows = db
      .prepare(`SELECT rid FROM resources WHERE ${where} ORDER BY rid LIMIT ? OFFSET ?`)
      .all(types, request.count, request.offset) as { rid: number }[];
    const page: EmbeddedSearchPage = { rids: rows.map((r) => r.rid), hasMore: request.offset + rows.length < total };
    if (request.total !== 'none') page.total = total;
    return page;
  },
};
