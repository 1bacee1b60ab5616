import Database from 'better-sqlite3';
import type { Resource } from '@medplum/fhirtypes';
import type { Definitions } from '../../../fhir/conformance/definitions';
import { parseSearchRequest } from '../../../fhir/search/parse-search';
import { createEmbeddedSearchIndex } from './embedded-search-index';

/**
 * Test helper: an in-memory database with the store's `resources` table exactly as the contract in
 * search-index.ts describes it, plus the index. Used until tests can go through the real embedded store.
 */
export function openSearchTestDb(definitions: Definitions, baseUrl = 'https://lucarne.example/fhir') {
  const db = new Database(':memory:');
  db.exec(`CREATE TABLE resources (rid INTEGER PRIMARY KEY, type TEXT NOT NULL, id TEXT NOT NULL,
    version INTEGER NOT NULL, last_updated INTEGER NOT NULL, deleted INTEGER NOT NULL, content TEXT,
    UNIQUE (type, id))`);
  const index = createEmbeddedSearchIndex(definitions, { baseUrl });
  index.migrate(db);
  const upsert = db.prepare(`INSERT INTO resources (type, id, version, last_updated, deleted, content)
    VALUES (?, ?, 1, ?, 0, ?) ON CONFLICT (type, id) DO UPDATE SET version = version + 1,
    last_updated = excluded.last_updated, deleted = 0, content = excluded.content RETURNING rid`);
  let clock = Date.parse('2025-01-01T00:00:00Z');

  const put = (resource: Resource & { id: string }, lastUpdated?: string) =>
    db.transaction(() => {
      clock += 1000;
      const at = lastUpdated ? Date.parse(lastUpdated) : clock;
      const { rid } = upsert.get(resource.resourceType, resource.id, at, JSON.stringify(resource)) as { rid: number };
      index.write(db, rid, resource.resourceType, index.indexRows(resource));
      return rid;
    })();

  const remove = (type: string, id: string) =>
    db.transaction(() => {
      const row = db.prepare('SELECT rid FROM resources WHERE type = ? AND id = ?').get(type, id) as { rid: number };
      db.prepare('UPDATE resources SET deleted = 1, content = NULL WHERE rid = ?').run(row.rid);
      index.remove(db, row.rid);
    })();

  const idsOf = (rids: number[]) =>
    rids.map((rid) => (db.prepare('SELECT id FROM resources WHERE rid = ?').get(rid) as { id: string }).id);

  /** Ids matching a query string for a type, in result order. */
  const search = (type: string, query: string) => {
    const { request } = parseSearchRequest(definitions, type, new URLSearchParams(query), { baseUrl });
    const page = index.search(db, request);
    return { ...page, ids: idsOf(page.rids) };
  };
  const ids = (type: string, query: string) => search(type, query).ids.sort();

  return { db, index, put, remove, search, ids, close: () => db.close() };
}
