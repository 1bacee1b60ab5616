import { statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

/**
 * Moves committed pages from the WAL into the database file from a worker thread, with its own connection,
 * so that commits on the event loop do not pay for it. With SQLite's automatic checkpoint every ~1,000 pages,
 * a commit that crosses the threshold copies and fsyncs the whole WAL first: that was most of the commit
 * time of a transaction Bundle. Durability is unchanged: each commit is still flushed before it is acknowledged
 * (WalSync); a checkpoint only copies committed pages, and SQLite keeps it safe against crashes at any point.
 *
 * The worker starts the first time the WAL is seen over `startAtBytes` (most test stores never need it) and
 * runs PASSIVE checkpoints (never waiting for, nor blocking, readers and the writer) every `intervalMs`.
 * The writer keeps a (larger) automatic checkpoint as a backstop if the worker falls behind.
 */
export class WalCheckpointer {
  private worker?: Worker;
  private stopped = false;
  private started = false;

  constructor(
    private readonly file: string,
    private readonly synchronous: 'FULL' | 'NORMAL',
    private readonly startAtBytes = 4 * 1024 * 1024,
    private readonly intervalMs = 100,
  ) {}

  /** Whether the background worker is running. */
  get running(): boolean {
    return this.worker !== undefined;
  }

  /** Called after each write: starts the worker once the WAL is big enough to be worth it (once only). */
  afterWrite(): void {
    if (this.started || this.stopped) return;
    let size = 0;
    try {
      size = statSync(`${this.file}-wal`).size;
    } catch {
      return;
    }
    if (size < this.startAtBytes) return;
    this.started = true;
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { driver: require.resolve('better-sqlite3'), file: this.file, synchronous: this.synchronous, intervalMs: this.intervalMs },
    });
    const worker = this.worker;
    worker.unref();
    worker.on('error', () => {
      // The writer's automatic checkpoint still bounds the WAL.
    });
    worker.once('exit', () => {
      if (this.worker === worker) this.worker = undefined;
    });
  }

  /** Stops the worker and waits until its connection is closed. */
  async stop(): Promise<void> {
    this.stopped = true;
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    await new Promise<void>((resolve) => {
      worker.once('exit', () => resolve());
      // Unreferenced while it runs (it must not keep the process alive), but waited for here.
      worker.ref();
      worker.postMessage('stop');
    });
  }
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
try { require('node:fs').writeFileSync('/proc/thread-self/comm', 'lucarne-ckpt'); } catch {}
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 0');
db.pragma('synchronous = ' + workerData.synchronous);
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {}
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;
