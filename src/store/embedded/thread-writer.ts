import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Resource } from '@medplum/fhirtypes';
import type { Writer } from './writer';
import type { WriterSettings } from './writer-connection';
import { decodeError, decodeResult, type Call, type Reply, type WireError, type WriterOp } from './writer-protocol';

/**
 * How the writer thread builds its own search index: the same definitions as the event loop's (the FHIR R4
 * base plus the conformance resources of profiles/, ig/, terminology/), or none (store tests).
 */
export type IndexRecipe = { kind: 'none' } | { kind: 'fhir'; extra?: Resource[]; baseUrl?: string };

export interface WriterThreadData {
  settings: WriterSettings;
  index: IndexRecipe;
}

type Ready = { ready: true; applied: number[] } | { ready: false; error: WireError };

/**
 * The writer connection in a worker thread, so that SQLite's work for writes (index rows, B-tree inserts,
 * COMMIT) runs on a second core while the event loop parses, validates and answers.
 * Calls made in one turn of the event loop travel as one message; replies come back in order.
 */
class ThreadWriter implements Writer {
  private seq = 0;
  private readonly pending = new Map<number, { op: WriterOp; resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  private outbox: Call[] = [];
  private scheduled = false;
  private stopped?: Error;
  private closing = false;
  private readonly exited: Promise<void>;

  constructor(
    private readonly worker: Worker,
    private readonly onFailure?: (error: Error) => void,
  ) {
    worker.on('message', (replies: Reply[]) => {
      for (const reply of replies) {
        const waiting = this.pending.get(reply[0]);
        if (!waiting) continue;
        this.pending.delete(reply[0]);
        if (reply[1]) waiting.resolve(decodeResult(waiting.op, reply[2]));
        else waiting.reject(decodeError(reply[2]));
      }
    });
    worker.on('error', (err) => this.fail(err));
    this.exited = new Promise((resolve) => {
      worker.once('exit', (code) => {
        this.fail(new Error(`the store's writer thread stopped (exit code ${code})`));
        resolve();
      });
    });
  }

  create: Writer['create'] = (resource, options, now) => this.call('create', [resource, options, now]);
  update: Writer['update'] = (resource, options, now) => this.call('update', [resource, options, now]);
  delete: Writer['delete'] = (resourceType, id, options, now) => this.call('delete', [resourceType, id, options, now]);
  read: Writer['read'] = (resourceType, id) => this.call('read', [resourceType, id]);
  vread: Writer['vread'] = (resourceType, id, versionId) => this.call('vread', [resourceType, id, versionId]);
  history: Writer['history'] = (query) => this.call('history', [query]);
  search: Writer['search'] = (request) => this.call('search', [request]);
  claimHolders: Writer['claimHolders'] = (keys) => this.call('claimHolders', [keys]);
  addClaims: Writer['addClaims'] = (resourceType, id, keys, now) => this.call('addClaims', [resourceType, id, keys, now]);
  markBackfillDone: Writer['markBackfillDone'] = (name, now) => this.call('markBackfillDone', [name, now]);
  savepoint: Writer['savepoint'] = (name) => this.call('savepoint', [name]);
  release: Writer['release'] = (name) => this.call('release', [name]);
  rollbackTo: Writer['rollbackTo'] = (name) => this.call('rollbackTo', [name]);
  rollback: Writer['rollback'] = () => this.call('rollback', []);
  commit: Writer['commit'] = () => this.call('commit', []);

  async close(): Promise<void> {
    this.closing = true;
    if (!this.stopped) await this.call('close', []);
    await this.exited;
  }

  private call<T>(op: WriterOp, args: unknown[]): Promise<T> {
    if (this.stopped) return Promise.reject(this.stopped);
    return new Promise<T>((resolve, reject) => {
      const seq = ++this.seq;
      this.pending.set(seq, { op, resolve: resolve as (v: unknown) => void, reject });
      this.outbox.push([seq, op, args]);
      if (!this.scheduled) {
        this.scheduled = true;
        queueMicrotask(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const calls = this.outbox;
    this.outbox = [];
    if (calls.length > 0 && !this.stopped) this.worker.postMessage(calls);
  }

  failure(): Error | undefined {
    return this.stopped;
  }

  private fail(error: Error): void {
    if (!this.stopped && !this.closing) this.onFailure?.(error);
    this.stopped ??= error;
    for (const waiting of this.pending.values()) waiting.reject(this.stopped);
    this.pending.clear();
  }
}

/**
 * Starts the writer thread and waits until its connection is open and the schema migrated. From source
 * (tsx, jest) the thread loads TypeScript through tsx; compiled, it runs the .js next to this file.
 */
export async function startWriterThread(
  data: WriterThreadData,
  onFailure?: (error: Error) => void,
): Promise<{ writer: Writer; applied: number[] }> {
  const ext = extname(__filename);
  const entry = join(__dirname, `writer-worker${ext}`);
  const bootstrap = ext === '.ts' ? `require(${JSON.stringify(require.resolve('tsx/cjs'))});` : '';
  const worker = new Worker(`${bootstrap}require(${JSON.stringify(entry)});`, { eval: true, workerData: data });
  let onExit!: (code: number) => void;
  let onError!: (err: Error) => void;
  const ready = await new Promise<Ready>((resolve, reject) => {
    onError = reject;
    onExit = (code) => reject(new Error(`the store's writer thread exited (code ${code}) before it was ready`));
    worker.once('message', resolve);
    worker.once('error', onError);
    worker.once('exit', onExit);
  }).finally(() => {
    // Not removeAllListeners(): Worker keeps internal listeners of its own.
    worker.off('error', onError);
    worker.off('exit', onExit);
  });
  if (!ready.ready) {
    await worker.terminate();
    throw decodeError(ready.error);
  }
  return { writer: new ThreadWriter(worker, onFailure), applied: ready.applied };
}
