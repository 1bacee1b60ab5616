import type { JWK } from 'jose';
import type { Clock } from '../../kernel/clock';
import type { StateEntry, StateStore } from '../../store/state/state-store';
import type { SigningKey } from './signing-key';
import { generateSigningKey, importSigningKey, SIGNING_KEY_SPACE } from './signing-key';

/** The server's signing keys: the one that signs now, and every one whose tokens may still be alive. */
export interface SigningKeys {
  /** The key new tokens are signed with (made, or rotated, when due). */
  current(): Promise<SigningKey>;
  /** A live key by `kid`, for verification; undefined when unknown or gone. */
  byKid(kid: string): Promise<SigningKey | undefined>;
  /** The public keys of every live key (the next one included once published), newest first. */
  jwks(): Promise<{ keys: JWK[] }>;
}

export interface SigningKeyOptions {
  readonly state: StateStore;
  readonly clock: Clock;
  /** Length of a rotation period: each period has its own key. */
  readonly rotationHours: number;
  /** Longest lifetime of a token the keys sign: a retired key stays this long (plus the margin). */
  readonly tokenSeconds: number;
  /** Extra time a retired key stays, for clock skew between processes and verifiers' tolerance (default 5 min). */
  readonly retentionMarginSeconds?: number;
  /** How long before its period a key is made and published (default 10 min, at most a quarter period). */
  readonly prepublishSeconds?: number;
  /** Least time between two re-reads of the store caused by an unknown `kid` (default 1 s). */
  readonly unknownKidReloadMs?: number;
  /** Re-read the store at least this often, to see keys other processes made (default 60 s). */
  readonly refreshMs?: number;
}

/**
 * Signing keys kept in the state store, so that every process signs with the same key and verifies every
 * other's tokens.
 *
 * Time is cut into rotation periods (signingKeyRotationHours, counted from the epoch) and each period has one
 * key, whose `kid` names the period: the first process to need it inserts it with the store's single-winner
 * insert, so processes rotating at once agree on one key. A period's key is made `prepublishSeconds` before
 * the period starts, so other processes (which re-read the store every `refreshMs`) and JWKS caches know it
 * before it signs anything; it becomes current when its period starts (at once when no key was made ahead,
 * after the server was idle). A replaced key gets a store expiry of the successor's start plus the token
 * lifetime plus a margin, after which it leaves verification and the JWKS. The expiry is derived from the
 * successor, so any process may record it and all record the same one.
 */
export function createSigningKeys(options: SigningKeyOptions): SigningKeys {
  const { state, clock } = options;
  const rotationMs = options.rotationHours * 3_600_000;
  const retentionMs = (options.tokenSeconds + (options.retentionMarginSeconds ?? 300)) * 1000;
  const prepublishMs = Math.min((options.prepublishSeconds ?? 600) * 1000, rotationMs / 4);
  const unknownKidReloadMs = options.unknownKidReloadMs ?? 1000;
  const refreshMs = options.refreshMs ?? 60_000;

  /** Live keys, by activation time, oldest first. */
  let keys: SigningKey[] = [];
  let loadedAt = Number.NEGATIVE_INFINITY;
  let loading: Promise<void> | undefined;
  const making = new Map<number, Promise<void>>();

  const now = () => clock.now().getTime();
  const live = (key: SigningKey, at: number) => key.expiresAt === undefined || key.expiresAt > at;
  const kidOf = (period: number) => `es256-${options.rotationHours}h-${period}`;
  const find = (kid: string) => keys.find((k) => k.kid === kid);

  function reload(): Promise<void> {
    if (!loading) {
      loadedAt = now();
      loading = load().finally(() => (loading = undefined));
    }
    return loading;
  }

  /** A reload that starts after this call (a read already in flight may predate a key just inserted). */
  async function reloadAfterNow(): Promise<void> {
    if (loading) await loading.catch(() => undefined);
    return reload();
  }

  async function load(): Promise<void> {
    const at = now();
    const entries = (await state.list(SIGNING_KEY_SPACE)).sort((a, b) => activeAt(a) - activeAt(b));
    const known = new Map(keys.map((k) => [k.kid, k]));
    const loaded: SigningKey[] = [];
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i];
      const successor = entries[i + 1];
      let expiresAt = entry.expiresAt;
      if (successor && expiresAt === undefined) {
        // Replaced by a successor whose maker did not get to record it (or has not yet): record it here.
        const retiredAt = activeAt(successor);
        expiresAt = retiredAt + retentionMs;
        if (expiresAt > at) await state.put(SIGNING_KEY_SPACE, entry.key, { ...entry.value, retiredAt }, expiresAt);
        else await state.delete(SIGNING_KEY_SPACE, entry.key);
      }
      if (expiresAt !== undefined && expiresAt <= at) continue;
      const previous = known.get(entry.key);
      const key =
        previous && previous.createdAt === entry.value.createdAt
          ? { ...previous, ...(expiresAt === undefined ? {} : { expiresAt }) }
          : await importSigningKey(entry.value, expiresAt);
      if (key) loaded.push(key);
    }
    keys = loaded;
  }

  /** Makes sure the store has the key of `period` (one store insert of all processes wins). */
  function ensure(period: number): Promise<void> {
    let pending = making.get(period);
    if (!pending) {
      pending = (async () => {
        await reloadAfterNow();
        if (find(kidOf(period))) return;
        const stored = await generateSigningKey(kidOf(period), now(), period * rotationMs);
        await state.insert(SIGNING_KEY_SPACE, stored.kid, stored);
        await reloadAfterNow();
      })().finally(() => making.delete(period));
      making.set(period, pending);
    }
    return pending;
  }

  return {
    async current() {
      const at = now();
      if (at - loadedAt >= refreshMs) await reload();
      const period = Math.floor(at / rotationMs);
      if (!find(kidOf(period))) await ensure(period);
      // Publish the next period's key ahead of its start; this request keeps signing with the current one.
      if (at >= (period + 1) * rotationMs - prepublishMs && !find(kidOf(period + 1))) await ensure(period + 1);
      let key: SigningKey | undefined;
      for (const k of keys) if (k.activeAt <= at && live(k, at)) key = k;
      if (!key) throw new Error('No signing key could be made or loaded');
      return key;
    },

    async byKid(kid) {
      const at = now();
      const known = find(kid);
      if (known) return live(known, at) ? known : undefined;
      // An unknown kid may be a key another process just made: re-read, but at most once per interval, so
      // that tokens with made-up kids cannot turn into a stream of store reads.
      if (at - loadedAt < unknownKidReloadMs) {
        if (loading) await loading;
        else return undefined;
      } else await reload();
      const found = find(kid);
      return found && live(found, now()) ? found : undefined;
    },

    async jwks() {
      const at = now();
      if (keys.length === 0 || at - loadedAt >= refreshMs) await reload();
      return { keys: keys.filter((k) => live(k, at)).reverse().map((k) => ({ ...k.publicJwk })) };
    },
  };
}

function activeAt(entry: StateEntry): number {
  const { activeAt, createdAt } = entry.value;
  return typeof activeAt === 'number' ? activeAt : typeof createdAt === 'number' ? createdAt : 0;
}
