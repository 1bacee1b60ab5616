import type { AuditRecord, AuditSink } from '../kernel/audit-sink';
import type { AuditJournal } from './journal';

interface Waiting {
  record: AuditRecord;
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * The AuditSink of the request path: `record` resolves once the record is in the journal, durably. Records
 * that arrive while nothing is being written are collected until the end of the current turn of the event
 * loop and written in one transaction (one disk flush for all); records that arrive during a write wait for
 * it and go together in the next one. So N concurrent requests cost about one flush, not N.
 */
export class GroupCommitSink implements AuditSink {
  private pending: Waiting[] = [];
  private scheduled = false;
  private writing: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly journal: AuditJournal,
    private readonly maxBatch = 1000,
  ) {}

  record(record: AuditRecord): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the audit journal is closed'));
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ record, resolve, reject });
      this.schedule();
    });
  }

  /** Waits until every record received so far is written (or failed). */
  async drain(): Promise<void> {
    while (this.pending.length > 0 || this.writing || this.scheduled) {
      await (this.writing ?? new Promise<void>((r) => setImmediate(r)));
    }
  }

  /** Refuses new records and waits for those received. */
  async close(): Promise<void> {
    this.closed = true;
    await this.drain();
  }

  private schedule(): void {
    if (this.scheduled || this.writing) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const batch = this.pending.splice(0, this.maxBatch);
    this.writing = this.journal.append(batch.map((w) => w.record)).then(
      () => {
        for (const w of batch) w.resolve();
      },
      (err: unknown) => {
        for (const w of batch) w.reject(err);
      },
    ).finally(() => {
      this.writing = undefined;
      if (this.pending.length > 0) this.flush();
    });
  }
}
