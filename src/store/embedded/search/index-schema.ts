import type Database from 'better-sqlite3';

/**
 * The search-index tables (all named idx_*). One table per value kind; every row is keyed by the resource's
 * rid (from the store's `resources` table) and a small integer param_id (idx_param maps (type, code) to it, so
 * derived sub-indexes like `identifier:of-type`, `code:text`, `subject:identifier` get their own ids).
 * `grp` numbers the source element for composite parameters (same-element semantics); 0 otherwise.
 *
 * Each table is WITHOUT ROWID with a primary key that starts with rid (so rewriting a resource's rows is a
 * range delete) plus secondary indexes that start with (param_id, value...) and end with rid: every main query
 * shape is an index search that never touches the table itself (secondary indexes of a WITHOUT ROWID table
 * carry the primary key, so they cover).
 */
export const INDEX_SCHEMA = `
CREATE TABLE IF NOT EXISTS idx_param (
  id INTEGER PRIMARY KEY, type TEXT NOT NULL, code TEXT NOT NULL, UNIQUE (type, code));

CREATE TABLE IF NOT EXISTS idx_string (
  rid INTEGER NOT NULL, param_id INTEGER NOT NULL, grp INTEGER NOT NULL, norm TEXT NOT NULL, exact TEXT NOT NULL,
  PRIMARY KEY (rid, param_id, grp, exact)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS idx_string_norm ON idx_string (param_id, norm);

CREATE TABLE IF NOT EXISTS idx_token (
  rid INTEGER NOT NULL, param_id INTEGER NOT NULL, grp INTEGER NOT NULL, system TEXT NOT NULL, code TEXT NOT NULL,
  PRIMARY KEY (rid, param_id, grp, system, code)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS idx_token_code ON idx_token (param_id, code, system);
-- No (param_id, system) index: it cost ~20% of the index write time for the rare system| search, which
-- now walks the parameter's range of idx_token_code instead.
DROP INDEX IF EXISTS idx_token_system;

CREATE TABLE IF NOT EXISTS idx_reference (
  rid INTEGER NOT NULL, param_id INTEGER NOT NULL, grp INTEGER NOT NULL,
  target_type TEXT NOT NULL, target_id TEXT NOT NULL, url TEXT NOT NULL, version TEXT NOT NULL,
  PRIMARY KEY (rid, param_id, grp, target_type, target_id, url, version)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS idx_reference_target ON idx_reference (param_id, target_id, target_type);
CREATE INDEX IF NOT EXISTS idx_reference_url ON idx_reference (param_id, url, version) WHERE url <> '';

CREATE TABLE IF NOT EXISTS idx_date (
  rid INTEGER NOT NULL, param_id INTEGER NOT NULL, grp INTEGER NOT NULL, low INTEGER NOT NULL, high INTEGER NOT NULL,
  PRIMARY KEY (rid, param_id, grp, low, high)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS idx_date_low ON idx_date (param_id, low, high);
CREATE INDEX IF NOT EXISTS idx_date_high ON idx_date (param_id, high, low);

CREATE TABLE IF NOT EXISTS idx_number (
  rid INTEGER NOT NULL, param_id INTEGER NOT NULL, grp INTEGER NOT NULL, value REAL NOT NULL,
  low REAL NOT NULL, high REAL NOT NULL,
  PRIMARY KEY (rid, param_id, grp, value)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS idx_number_value ON idx_number (param_id, value);

CREATE TABLE IF NOT EXISTS idx_quantity (
  rid INTEGER NOT NULL, param_id INTEGER NOT NULL, grp INTEGER NOT NULL, system TEXT NOT NULL, code TEXT NOT NULL,
  value REAL NOT NULL, low REAL NOT NULL, high REAL NOT NULL,
  PRIMARY KEY (rid, param_id, grp, system, code, value, low, high)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS idx_quantity_code ON idx_quantity (param_id, code, value);
CREATE INDEX IF NOT EXISTS idx_quantity_value ON idx_quantity (param_id, value);

CREATE TABLE IF NOT EXISTS idx_uri (
  rid INTEGER NOT NULL, param_id INTEGER NOT NULL, grp INTEGER NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY (rid, param_id, grp, value)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS idx_uri_value ON idx_uri (param_id, value);

-- On the store's table (named idx_* as the index owns them): a type's live resources in rid order (the
-- default, stable search order), and _lastUpdated ranges and sorts.
CREATE INDEX IF NOT EXISTS idx_resources_live ON resources (type, deleted);
CREATE INDEX IF NOT EXISTS idx_resources_type_updated ON resources (type, last_updated);
`;

/** The table holding each entry kind (and each SearchParameter.type that is indexed). */
export const TABLE_OF_KIND: Record<string, string> = {
  string: 'idx_string',
  token: 'idx_token',
  reference: 'idx_reference',
  date: 'idx_date',
  number: 'idx_number',
  quantity: 'idx_quantity',
  uri: 'idx_uri',
};

export const INDEX_TABLES = Object.values(TABLE_OF_KIND);

export function migrateIndex(db: Database.Database): void {
  db.exec(INDEX_SCHEMA);
}
