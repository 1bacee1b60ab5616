import type { Collection, Db } from 'mongodb';
import type { Clock } from '../../kernel/clock';
import { systemClock } from '../../kernel/clock';
import { isDuplicateKey } from './documents';

/** A time-limited right, held by one holder across every process using the database. */
export interface Lease {
  name: string;
  holder: string;
  /** Increases with every acquisition: a fencing token (a newer holder always has a larger epoch). */
  epoch: number;
  /** Epoch milliseconds after which the lease is free unless renewed. */
  expiresAt: number;
}

interface LeaseDoc extends Lease {
  _id: string;
}

/**
 * Leases in the `leases` collection, one document per (name, epoch), `_id` `name#epoch`.
 * Acquiring inserts the next epoch: the unique `_id` lets one acquirer win, and an epoch is only ever
 * inserted after the previous one expired (or was released). Renewal is a conditional update that succeeds
 * only while the lease is unexpired and held by the caller, so it never races a takeover, which needs it
 * expired. Only inserts need to be atomic, which FerretDB v1 guarantees too (its conditional updates are not
 * locked, but nothing here depends on two updates of one document racing).
 * Times come from the caller's clock: processes must have roughly synchronised clocks (skew < ttl).
 */
export class Leases {
  private readonly col: Collection<LeaseDoc>;

  constructor(db: Db, private readonly clock: Clock = systemClock) {
    this.col = db.collection<LeaseDoc>('leases');
  }

  /** The lease, or undefined when someone else holds it. Re-acquiring one's own live lease renews it. */
  async acquire(name: string, holder: string, ttlMs: number): Promise<Lease | undefined> {
    const now = this.clock.now().getTime();
    const latest = await this.col.findOne({ name }, { sort: { epoch: -1 } });
    if (latest && latest.expiresAt > now) {
      return latest.holder === holder ? this.renew(strip(latest), ttlMs) : undefined;
    }
    const epoch = (latest?.epoch ?? 0) + 1;
    const doc: LeaseDoc = { _id: `${name}#${epoch}`, name, holder, epoch, expiresAt: now + ttlMs };
    try {
      await this.col.insertOne(doc);
    } catch (err) {
      if (isDuplicateKey(err)) return undefined;
      throw err;
    }
    await this.col.deleteMany({ name, epoch: { $lt: epoch } });
    return strip(doc);
  }

  /** Extends a lease still held; undefined when it expired or was taken over meanwhile. */
  async renew(lease: Lease, ttlMs: number): Promise<Lease | undefined> {
    const now = this.clock.now().getTime();
    const expiresAt = now + ttlMs;
    const result = await this.col.updateOne(
      { _id: `${lease.name}#${lease.epoch}`, holder: lease.holder, expiresAt: { $gt: now } },
      { $set: { expiresAt } },
    );
    return result.matchedCount === 1 ? { ...lease, expiresAt } : undefined;
  }

  /** Gives the lease up at once (no-op if it is no longer held). */
  async release(lease: Lease): Promise<void> {
    await this.col.updateOne({ _id: `${lease.name}#${lease.epoch}`, holder: lease.holder }, { $set: { expiresAt: 0 } });
  }

  /** The current holder of a live lease, if any. */
  async holder(name: string): Promise<Lease | undefined> {
    const latest = await this.col.findOne({ name }, { sort: { epoch: -1 } });
    return latest && latest.expiresAt > this.clock.now().getTime() ? strip(latest) : undefined;
  }
}

function strip(doc: LeaseDoc): Lease {
  return { name: doc.name, holder: doc.holder, epoch: doc.epoch, expiresAt: doc.expiresAt };
}
