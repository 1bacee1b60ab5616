import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Resource } from '@medplum/fhirtypes';
import { loadDefinitions } from '../../../fhir/conformance/definitions';
import { parseSearchRequest } from '../../../fhir/search/parse-search';
import { createEmbeddedSearchIndex } from './embedded-search-index';

const definitions = loadDefinitions();
type R = Resource & { id: string };

/**
 * Param ids created inside a rolled-back transaction are undone, and SQLite hands the same integers to the
 * next new parameters: the index must not keep using the undone ones (its rows would land under another
 * type's parameter, invisible to any other connection and counted in that type's totals).
 */
describe('param ids after a rollback', () => {
  let dir: string;
  let writer: Database.Database;
  let reader: Database.Database;
  const index = createEmbeddedSearchIndex(definitions);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lucarne-rollback-'));
    writer = new Database(join(dir, 'db.sqlite'));
    writer.exec(`CREATE TABLE resources (rid INTEGER PRIMARY KEY, type TEXT NOT NULL, id TEXT NOT NULL,
      version INTEGER NOT NULL, last_updated INTEGER NOT NULL, deleted INTEGER NOT NULL, content TEXT,
      UNIQUE (type, id))`);
    index.migrate(writer);
    reader = new Database(join(dir, 'db.sqlite'), { readonly: true });
  });
  afterEach(() => {
    reader.close();
    writer.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const insert = (r: R) => {
    const { rid } = writer
      .prepare('INSERT INTO resources (type, id, version, last_updated, deleted, content) VALUES (?, ?, 1, 0, 0, ?) RETURNING rid')
      .get(r.resourceType, r.id, JSON.stringify(r)) as { rid: number };
    index.write(writer, rid, r.resourceType, index.indexRows(r));
  };
  const search = (db: Database.Database, type: string, query: string) => {
    const { request } = parseSearchRequest(definitions, type, new URLSearchParams(query));
    const page = index.search(db, request);
    const ids = page.rids.map((rid) => (db.prepare('SELECT id FROM resources WHERE rid = ?').get(rid) as { id: string }).id);
    return { ids: ids.sort(), total: page.total };
  };

  const patient: R = { resourceType: 'Patient', id: 'p1', name: [{ family: 'Durand' }], gender: 'female' };
  const device: R = { resourceType: 'Device', id: 'd1', status: 'active', manufacturer: 'Durand',
    type: { coding: [{ system: 'http://snomed.info/sct', code: 'female' }] } };

  const exec = (...sql: string[]) => {
    for (const s of sql) writer.exec(s);
  };

  const expectRight = () => {
    for (const db of [writer, reader]) {
      expect(search(db, 'Patient', 'family=durand').ids).toEqual(['p1']);
      expect(search(db, 'Patient', 'gender=female&_total=accurate')).toEqual({ ids: ['p1'], total: 1 });
      expect(search(db, 'Patient', 'gender=female&_count=0').total).toBe(1);
      expect(search(db, 'Device', 'manufacturer=durand').ids).toEqual(['d1']);
      expect(search(db, 'Device', 'type=female&_count=0').total).toBe(1);
      expect(search(db, 'Device', 'status=active&_total=accurate')).toEqual({ ids: ['d1'], total: 1 });
    }
    // Every parameter id is used by one (type, code) only.
    const owners = writer
      .prepare(
        `SELECT param_id, COUNT(DISTINCT r.type) AS n FROM (SELECT rid, param_id FROM idx_string UNION ALL
         SELECT rid, param_id FROM idx_token) JOIN resources r USING (rid) GROUP BY param_id HAVING n > 1`,
      )
      .all();
    expect(owners).toEqual([]);
  };

  it('ROLLBACK of the transaction', () => {
    exec('BEGIN IMMEDIATE');
    insert(patient);
    exec('ROLLBACK');
    index.afterRollback(writer);
    exec('BEGIN IMMEDIATE');
    insert(device);
    insert(patient);
    exec('COMMIT');
    expectRight();
  });

  it('ROLLBACK TO a savepoint', () => {
    exec('BEGIN IMMEDIATE', 'SAVEPOINT w');
    insert(patient);
    exec('ROLLBACK TO w', 'RELEASE w');
    index.afterRollback(writer);
    insert(device);
    insert(patient);
    exec('COMMIT');
    expectRight();
  });
});
