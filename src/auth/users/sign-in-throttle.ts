import type { Clock } from '../../kernel/clock';
import type { StateStore } from '../../store/state/state-store';

export const FAILURE_SPACE = 'sign-in-failures';

/** How many addresses' failures, relative to one account's, an address may make before it is refused. */
export const ADDRESS_FAILURE_FACTOR = 10;

export interface ThrottleSettings {
  readonly maxFailures: number;
  readonly lockoutMinutes: number;
}

interface FailureCount {
  readonly failures: number;
  /** Epoch ms: locked (account) or refused (address) until then. */
  readonly blockedUntil?: number;
}

/**
 * Failed password sign-ins, in the state store so that every process counts them: an account is locked
 * for the lockout time after `maxFailures` consecutive failures, and an address that failed more than
 * ADDRESS_FAILURE_FACTOR times that within one lockout window is refused until the window ends (so that
 * trying one password on many accounts is slowed too). Counts are read-modify-write: two processes failing
 * at the same instant may count one failure instead of two, which only delays a lockout by one attempt.
 */
export class SignInThrottle {
  constructor(
    private readonly state: StateStore,
    private readonly clock: Clock,
    private readonly settings: ThrottleSettings,
  ) {}

  private get windowMs(): number {
    return this.settings.lockoutMinutes * 60_000;
  }

  isAccountLocked(accountKey: string): Promise<boolean> {
    return this.blocked(`account:${accountKey}`);
  }

  isAddressRefused(address: string): Promise<boolean> {
    return this.blocked(`address:${address}`);
  }

  /** A wrong password for an existing account. */
  async accountFailed(accountKey: string): Promise<void> {
    const key = `account:${accountKey}`;
    const now = this.clock.now().getTime();
    const failures = ((await this.count(key))?.failures ?? 0) + 1;
    // The count lives for one window after the last failure; the lock, once reached, for one window.
    const expiresAt = now + this.windowMs;
    const locked = failures >= this.settings.maxFailures;
    await this.state.put(FAILURE_SPACE, key, { failures, ...(locked ? { blockedUntil: expiresAt } : {}) }, expiresAt);
  }

  async addressFailed(address: string): Promise<void> {
    const key = `address:${address}`;
    const now = this.clock.now().getTime();
    const current = await this.count(key);
    // A fixed window from the address's first failure: steady guessing cannot keep it just under the limit.
    const windowEnds = current?.windowEnds ?? now + this.windowMs;
    const failures = (current?.failures ?? 0) + 1;
    const refused = failures >= ADDRESS_FAILURE_FACTOR * this.settings.maxFailures;
    await this.state.put(FAILURE_SPACE, key, { failures, windowEnds, ...(refused ? { blockedUntil: windowEnds } : {}) }, windowEnds);
  }

  async accountSucceeded(accountKey: string): Promise<void> {
    await this.state.delete(FAILURE_SPACE, `account:${accountKey}`);
  }

  private async count(key: string): Promise<(FailureCount & { windowEnds?: number }) | undefined> {
    const value = await this.state.get(FAILURE_SPACE, key);
    return value as (FailureCount & { windowEnds?: number }) | undefined;
  }

  private async blocked(key: string): Promise<boolean> {
    const until = (await this.count(key))?.blockedUntil;
    return until !== undefined && until > this.clock.now().getTime();
  }
}
