import type { AuditRecord } from '../kernel/audit-sink';

/** One journalled record; `id` is unique for ever (across processes and journal files) and orders entries. */
export interface JournalEntry {
  readonly id: string;
  readonly record: AuditRecord;
}

/**
 * The durable queue between the request path and the audit trail: records are appended (durably, before the
 * answer is sent) and later moved, oldest first, into AuditEvents by the audit job, which then removes them.
 */
export interface AuditJournal {
  /** Writes the records in one durable transaction: resolved means they survive a crash or power loss. */
  append(records: readonly AuditRecord[]): Promise<void>;
  /** The oldest entries, at most `limit`, oldest first. */
  oldest(limit: number): Promise<JournalEntry[]>;
  /** Removes moved entries. Removing an absent one is not an error (another run removed it). */
  remove(ids: readonly string[]): Promise<void>;
  /** How many entries wait (for the readiness and the tests). */
  size(): Promise<number>;
  close(): Promise<void>;
}
