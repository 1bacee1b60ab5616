import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { WalCheckpointer } from './wal-checkpointer';

describe('WalCheckpointer', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'lucarne-wal-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('starts once the WAL is big, moves committed pages into the database file, and stops cleanly', async () => {
    const file = join(dir, 'db.sqlite');
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0'); // only the worker checkpoints here
    db.exec('CREATE TABLE t (x TEXT)');
    const checkpointer = new WalCheckpointer(file, 'FULL', 256 * 1024, 10);
    checkpointer.afterWrite();
    expect(checkpointer.running).toBe(false);
    const insert = db.prepare('INSERT INTO t VALUES (?)');
    for (let i = 0; i < 200; i++) insert.run('x'.repeat(4000));
    checkpointer.afterWrite();
    expect(checkpointer.running).toBe(true);
    const before = statSync(file).size;
    // The file grows while a checkpoint copies: wait for the whole WAL, not for the first page.
    for (let i = 0; i < 150 && statSync(file).size <= before + 500_000; i++) await new Promise((r) => setTimeout(r, 20));
    expect(statSync(file).size).toBeGreaterThan(before + 500_000);
    await checkpointer.stop();
    expect(checkpointer.running).toBe(false);
    expect((db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n).toBe(200);
    db.close();
  });
});
