/**
 * A FIFO async mutex. better-sqlite3 is synchronous, but a store transaction awaits the caller's callback,
 * so the single writer connection must be held across awaits: every write path goes through this lock.
 */
export class AsyncMutex {
  private tail: Promise<void> = Promise.resolve();
  private held = false;

  get locked(): boolean {
    return this.held;
  }

  async run<T>(fn: () => Promise<T> | T): Promise<T> {
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((resolve) => (release = resolve));
    await previous;
    this.held = true;
    try {
      return await fn();
    } finally {
      this.held = false;
      release();
    }
  }
}
