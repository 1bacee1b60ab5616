import type { AuditEvent } from '@medplum/fhirtypes';
import type { Clock } from '../kernel/clock';
import { FhirError } from '../kernel/errors';
import type { StateStore } from '../store/state/state-store';
import type { FhirStore } from '../store/store';
import { balpAuditEvent, type AuditServerIdentity } from './balp';
import { chained, chainMarkOf, EMPTY_CHAIN, type ChainLink } from './chain';
import type { AuditJournal, JournalEntry } from './journal';
import type { Lease } from './lease';

/** Where the chain head lives in the state store. */
export const AUDIT_STATE_SPACE = 'audit';
export const CHAIN_HEAD_KEY = 'chain-head';
export const MOVER_LEASE_KEY = 'mover-lease';

/** The claim each AuditEvent holds on its sequence number, so that no two events can ever share one. */
export const sequenceClaim = (sequence: number) => `audit-chain|${sequence}`;

export interface ChainHead extends ChainLink {
  /** meta.lastUpdated of the head event: the next ones are written after it, so they sort after it. */
  readonly lastUpdated?: string;
}

export interface MoverLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface AuditMoverOptions {
  journal: AuditJournal;
  /** The underlying store (no write rules: AuditEvents are written only here). */
  store: FhirStore;
  state: StateStore;
  lease: Lease;
  clock: Clock;
  logger: MoverLogger;
  server: AuditServerIdentity;
  /** Entries moved per store transaction (default 500). */
  batchSize?: number;
  /** Pause between two runs when the journal is empty (default 1000 ms). */
  intervalMs?: number;
}

/**
 * The audit job: while it holds the lease, moves journal entries, oldest first, into chained BALP AuditEvents
 * in the store, then removes them from the journal. Each AuditEvent's id is its entry's id, so a run that
 * stopped anywhere (crash, lost lease) is resumed without loss or duplicate: an entry whose AuditEvent
 * exists is only removed, and the chain head follows the events actually written.
 */
export class AuditMover {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = true;
  private readonly batchSize: number;
  private readonly intervalMs: number;

  constructor(private readonly options: AuditMoverOptions) {
    this.batchSize = options.batchSize ?? 500;
    this.intervalMs = options.intervalMs ?? 1000;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
    await this.options.lease.release().catch(() => undefined);
  }

  /**
   * One run: takes (or renews) the lease, then moves batches until the journal is empty or the lease is lost.
   * Returns how many entries it moved (0 when another process holds the lease).
   */
  async runOnce(): Promise<number> {
    const { lease, journal } = this.options;
    if (!(await lease.acquire())) return 0;
    let moved = 0;
    for (;;) {
      const entries = await journal.oldest(this.batchSize);
      if (entries.length === 0) return moved;
      if (!(await lease.renew())) return moved;
      await this.moveBatch(entries);
      moved += entries.length;
      if (entries.length < this.batchSize) return moved;
    }
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const run = this.runOnce();
      this.running = run;
      run.then(
        (moved) => this.schedule(moved > 0 ? 0 : this.intervalMs),
        (err: unknown) => {
          this.options.logger.error({ err }, 'moving audit journal entries to AuditEvents failed; retrying');
          this.schedule(this.intervalMs);
        },
      );
    }, delay);
    this.timer.unref?.();
  }

  private async moveBatch(entries: readonly JournalEntry[]): Promise<void> {
    const { store, state, journal, server } = this.options;
    let head = await this.currentHead();
    const writes: { event: AuditEvent & { id: string }; sequence: number }[] = [];
    for (const entry of entries) {
      // Written by a run that stopped before it removed the entry: only the removal is left to do.
      const existing = await store.read('AuditEvent', entry.id);
      if (existing && !existing.deleted) continue;
      const { event, link } = chained({ ...balpAuditEvent(entry.record, server), id: entry.id }, head);
      writes.push({ event: event as AuditEvent & { id: string }, sequence: link.sequence });
      head = { ...link, lastUpdated: head.lastUpdated };
    }
    if (writes.length > 0) {
      await this.afterHeadTime(head.lastUpdated);
      const lastUpdated = await this.write(writes);
      head = { sequence: head.sequence, hash: head.hash, lastUpdated };
      await state.put(AUDIT_STATE_SPACE, CHAIN_HEAD_KEY, { ...head });
    }
    await journal.remove(entries.map((e) => e.id));
  }

  /**
   * The chain head: the one in the state store, moved forward over the events written after it (a run that
   * stopped before it saved the head), which hold the claims of the next sequence numbers. When the state
   * store lost it, the newest AuditEvent is where to start from.
   */
  private async currentHead(): Promise<ChainHead> {
    const { store } = this.options;
    let head = await this.readHead();
    if (head.sequence === 0) head = (await this.newestInStore()) ?? head;
    for (;;) {
      const [holder] = await store.claimHolders([sequenceClaim(head.sequence + 1)]);
      const record = holder && (await store.read(holder.resourceType, holder.id));
      const mark = record?.resource && chainMarkOf(record.resource as AuditEvent);
      if (!record || !mark || mark.sequence !== head.sequence + 1) return head;
      head = { sequence: mark.sequence, hash: mark.hash, lastUpdated: record.lastUpdated };
    }
  }

  private async newestInStore(): Promise<ChainHead | undefined> {
    const page = await this.options.store.search({
      resourceTypes: ['AuditEvent'], filters: [], sort: [{ code: '_lastUpdated', descending: true }], count: 1, offset: 0, total: 'none',
    });
    const record = page.entries[0];
    const mark = record?.resource && chainMarkOf(record.resource as AuditEvent);
    return mark ? { sequence: mark.sequence, hash: mark.hash, lastUpdated: record.lastUpdated } : undefined;
  }

  /** Creates the events (in one transaction when the store has them); returns the last one's lastUpdated. */
  private async write(writes: readonly { event: AuditEvent & { id: string }; sequence: number }[]): Promise<string> {
    const { store } = this.options;
    const createAll = async (target: FhirStore) => {
      let last = '';
      for (const { event, sequence } of writes) last = (await target.create(event, { claims: [sequenceClaim(sequence)] })).lastUpdated;
      return last;
    };
    try {
      return store.supportsTransactions ? await store.transaction(createAll) : await createAll(store);
    } catch (err) {
      if (err instanceof FhirError && err.status === 409) {
        this.options.logger.warn({}, 'an AuditEvent or its chain sequence exists already (another audit job ran): the batch is retried');
      }
      throw err;
    }
  }

  /**
   * Waits, when this process's clock is behind the head's lastUpdated (the previous lease holder's clock), so
   * that lastUpdated keeps the sequence order $verify-chain walks in.
   */
  private async afterHeadTime(lastUpdated: string | undefined): Promise<void> {
    if (!lastUpdated) return;
    const behind = Date.parse(lastUpdated) - this.options.clock.now().getTime();
    if (behind >= 0 && behind < 5000) await new Promise((r) => setTimeout(r, behind + 1));
  }

  private async readHead(): Promise<ChainHead> {
    const value = await this.options.state.get(AUDIT_STATE_SPACE, CHAIN_HEAD_KEY);
    if (!value || typeof value.sequence !== 'number' || typeof value.hash !== 'string') return EMPTY_CHAIN;
    return { sequence: value.sequence, hash: value.hash, ...(typeof value.lastUpdated === 'string' ? { lastUpdated: value.lastUpdated } : {}) };
  }
}
