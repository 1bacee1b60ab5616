import { closeSync, fdatasync, openSync } from 'node:fs';

/**
 * Makes committed WAL frames durable with fdatasync on the WAL file, off the calling thread (libuv's pool),
 * so the writer goes on with the next transaction while the disk flushes. Concurrent requests share flushes:
 * a request made while a flush runs waits for the next one, which covers everything written until it starts.
 *
 * Why this is as safe as SQLite's synchronous=FULL: the writer runs with synchronous=NORMAL, under which WAL
 * mode never corrupts the database (SQLite still syncs around every checkpoint) and a COMMIT has written all
 * its frames to the WAL file before it returns; a flush that starts after that makes them, and the commit
 * frame, durable. A write is acknowledged only after that flush.
 */
export class WalSync {
  private fd?: number;
  private running = false;
  /** Requests waiting for a flush that has not started yet. */
  private waiting: { resolve: () => void; reject: (err: unknown) => void }[] = [];

  constructor(private readonly walFile: string) {}

  sync(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      if (!this.running) this.flush();
    });
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private flush(): void {
    const batch = this.waiting;
    this.waiting = [];
    this.running = true;
    let fd: number;
    try {
      // Opened once the WAL exists (after the first commit); 'r+' because some platforms flush only writable handles.
      fd = this.fd ??= openSync(this.walFile, 'r+');
    } catch (err) {
      this.settle(batch, err);
      return;
    }
    fdatasync(fd, (err) => this.settle(batch, err ?? undefined));
  }

  private settle(batch: { resolve: () => void; reject: (err: unknown) => void }[], err: unknown): void {
    this.running = false;
    for (const w of batch) {
      if (err) w.reject(err);
      else w.resolve();
    }
    if (this.waiting.length > 0) this.flush();
  }
}
