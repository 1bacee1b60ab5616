import type { Clock } from '../kernel/clock';
import type { StateStore } from '../store/state/state-store';

/**
 * A time-limited lease in the state store: of several processes, one holds it at a time (StateStore.insert is
 * the single-winner primitive); a holder that dies lets it expire. The holder renews it well before expiry,
 * and only while its own copy has more than `margin` left, so it never overwrites a lease another process
 * took after its own expired (clocks of the processes must agree within the margin).
 */
export class Lease {
  private expiresAt = 0;

  constructor(
    private readonly state: StateStore,
    private readonly space: string,
    private readonly key: string,
    readonly owner: string,
    private readonly clock: Clock,
    private readonly ttlMs: number,
    private readonly marginMs = Math.max(1, Math.floor(ttlMs / 3)),
  ) {}

  /** Whether this process holds the lease now (its own reckoning). */
  get held(): boolean {
    return this.expiresAt - this.clock.now().getTime() > this.marginMs;
  }

  /** Takes the lease when it is free, or renews it when held: true when this process holds it afterwards. */
  async acquire(): Promise<boolean> {
    if (this.held) return this.renew();
    const expiresAt = this.clock.now().getTime() + this.ttlMs;
    if (await this.state.insert(this.space, this.key, { owner: this.owner, expiresAt }, expiresAt)) {
      this.expiresAt = expiresAt;
      return true;
    }
    this.expiresAt = 0;
    return false;
  }

  /** Extends a held lease; false (and no longer held) when it was lost or is about to expire. */
  async renew(): Promise<boolean> {
    if (!this.held) {
      this.expiresAt = 0;
      return false;
    }
    const current = await this.state.get(this.space, this.key);
    if (current?.owner !== this.owner || !this.held) {
      this.expiresAt = 0;
      return false;
    }
    const expiresAt = this.clock.now().getTime() + this.ttlMs;
    await this.state.put(this.space, this.key, { owner: this.owner, expiresAt }, expiresAt);
    this.expiresAt = expiresAt;
    return true;
  }

  /** Gives the lease up (when held), so another process need not wait for its expiry. */
  async release(): Promise<void> {
    if (!this.held) return;
    this.expiresAt = 0;
    const current = await this.state.get(this.space, this.key);
    if (current?.owner === this.owner) await this.state.delete(this.space, this.key);
  }
}
