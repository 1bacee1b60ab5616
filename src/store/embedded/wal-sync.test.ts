import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WalSync } from './wal-sync';

describe('WalSync', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'lucarne-walsync-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('settles every request, however many arrive during a flush, and flushes again after', async () => {
    const file = join(dir, 'x-wal');
    writeFileSync(file, 'frames');
    const sync = new WalSync(file);
    const flushes: number[] = [];
    const all = Array.from({ length: 10 }, (_, i) => sync.sync().then(() => flushes.push(i)));
    await Promise.all(all);
    expect(flushes).toHaveLength(10);
    await sync.sync();
    sync.close();
  });

  it('fails the waiting commits when the file cannot be flushed', async () => {
    const sync = new WalSync(join(dir, 'missing-wal'));
    await expect(sync.sync()).rejects.toThrow(/ENOENT/);
    sync.close();
  });
});
