import type { ClientSession, Collection } from 'mongodb';
import type { Clock } from '../../kernel/clock';
import { conflict } from '../../kernel/errors';
import type { ClaimHolder } from '../store';
import { isDuplicateKey, resourceKey, type ResourceDoc } from './documents';

/** `claims`: one document per claimed key (`_id`, unique), naming its holder `Type/id`. */
export interface ClaimDoc {
  _id: string;
  holder: string;
  /** Epoch ms when the holder took it. */
  at: number;
}

/**
 * A claim whose holder does not exist (or is deleted) this long after it was taken was left by a writer
 * that died between taking it and writing its version (or between a deletion and its release): it may be
 * taken over. Before that, the holder may simply not have written its version yet.
 */
const ABANDONED_AFTER_MS = 5000;

/**
 * The claims of WriteOptions.claims on MongoDB. Without server transactions a write takes its keys first
 * (insert: the unique `_id` lets one writer win), then writes its version, then releases the keys it no
 * longer claims; a failed version write gives back the keys it had just taken. Inside a session transaction
 * the same steps are part of the transaction, and a concurrent claim of the same key aborts one of them.
 */
export class Claims {
  constructor(
    private readonly claims: Collection<ClaimDoc>,
    private readonly resources: Collection<ResourceDoc>,
    private readonly clock: Clock,
    private readonly session?: ClientSession,
  ) {}

  async holders(keys: readonly string[]): Promise<ClaimHolder[]> {
    if (keys.length === 0) return [];
    const docs = await this.claims.find({ _id: { $in: [...keys] } }, { session: this.session }).toArray();
    return docs.map((doc) => ({ key: doc._id, ...splitHolder(doc.holder) }));
  }

  /** Takes every key for `type/id` (409 when another resource holds one); returns the keys newly taken. */
  async take(type: string, id: string, keys: readonly string[]): Promise<string[]> {
    const holder = resourceKey(type, id);
    const taken: string[] = [];
    try {
      for (const key of new Set(keys)) if (await this.takeOne(key, holder)) taken.push(key);
    } catch (err) {
      if (!this.session) await this.giveBack(taken).catch(() => undefined);
      throw err;
    }
    return taken;
  }

  /** Releases keys taken by a write that then failed. */
  async giveBack(keys: readonly string[]): Promise<void> {
    if (keys.length > 0) await this.claims.deleteMany({ _id: { $in: [...keys] } }, { session: this.session });
  }

  /** The claims of `type/id` become `keep` (after its version is written): the others are released. */
  async keepOnly(type: string, id: string, keep: readonly string[]): Promise<void> {
    await this.claims.deleteMany({ holder: resourceKey(type, id), _id: { $nin: [...keep] } }, { session: this.session });
  }

  private async takeOne(key: string, holder: string): Promise<boolean> {
    const opts = { session: this.session };
    const existing = await this.claims.findOne({ _id: key }, opts);
    const now = this.clock.now().getTime();
    if (existing) {
      if (existing.holder === holder) return false;
      if (!(await this.abandoned(existing, now))) throw heldBy(holder, existing.holder);
      const moved = await this.claims.updateOne({ _id: key, holder: existing.holder, at: existing.at }, { $set: { holder, at: now } }, opts);
      if (moved.matchedCount === 1) return true;
      throw heldBy(holder, (await this.claims.findOne({ _id: key }, opts))?.holder);
    }
    try {
      await this.claims.insertOne({ _id: key, holder, at: now }, opts);
      return true;
    } catch (err) {
      if (!isDuplicateKey(err) && !isTransient(err)) throw err;
      // Inside a session the failed insert aborted the transaction: nothing more can be read through it.
      throw heldBy(holder, this.session ? undefined : (await this.claims.findOne({ _id: key }))?.holder);
    }
  }

  private async abandoned(claim: ClaimDoc, now: number): Promise<boolean> {
    if (now - claim.at < ABANDONED_AFTER_MS) return false;
    const doc = await this.resources.findOne({ _id: claim.holder }, { session: this.session, projection: { deleted: 1 } });
    return !doc || doc.deleted;
  }
}

function heldBy(writer: string, holder: string | undefined) {
  return conflict(`${writer} claims a unique identifier already held by ${holder ?? 'a resource written concurrently'}`);
}

function isTransient(err: unknown): boolean {
  return (err as { errorLabelSet?: Set<string> } | null)?.errorLabelSet?.has('TransientTransactionError') === true;
}

function splitHolder(holder: string): { resourceType: string; id: string } {
  const slash = holder.indexOf('/');
  return { resourceType: holder.slice(0, slash), id: holder.slice(slash + 1) };
}
