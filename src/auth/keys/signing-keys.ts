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
  /** The public keys of every live key, newest first. */
  jwks(): Promise<{ keys: JWK[] }>;
}

export interface SigningKeyOptions {
  readonly state: StateStore;
  readonly clock: Clock;
  /** Age at which the current key is replaced. */
  readonly rotationHours: number;
  /** Longest lifetime of a token the keys sign: a retired key stays this long (plus the margin). */
  readonly tokenSeconds: number;
  /** Extra time a retired key stays, for clock skew between processes and verifiers' tolerance (default 5 min). */
  readonly retentionMarginSeconds?: number;
  /** Least time between two re-reads of the store caused by an unknown `kid` (default 1 s). */
  readonly unknownKidReloadMs?: number;
  /** Re-read the store at least this often, to see keys other processes made (default 60 s). */
  readonly refreshMs?: number;
}

/**
 * Signing keys kept in the state store, so that every process signs with the same key and verifies every
 * other's tokens. The current key is the newest; a key older than the rotation age is replaced by one whose
 * `kid` names the rotation period, inserted with the store's single-winner insert so that processes rotating
 * at once agree on one new key. A replaced key gets a store expiry of its retirement plus the token lifetime
 * (plus a margin), after which it leaves verification and the JWKS; the expiry is derived from the successor's
 * creation time, so any process may record it and all record the same one.
 */
export function createSigningKeys(options: SigningKeyOptions): SigningKeys {
  const { state, clock } = options;
  const rotationMs = options.rotationHours * 3_600_000;
  const retentionMs = (options.tokenSeconds + (options.retentionMarginSeconds ?? 300)) * 1000;
  const unknownKidReloadMs = options.unknownKidReloadMs ?? 1000;
  const refreshMs = options.refreshMs ?? 60_000;

  /** Live keys, oldest first. */
  let keys: SigningKey[] = [];
  let loadedAt = Number.NEGATIVE_INFINITY;
  let loading: Promise<void> | undefined;
  let rotating: Promise<void> | undefined;

  const now = () => clock.now().getTime();
  const live = (key: SigningKey, at: number) => key.expiresAt === undefined || key.expiresAt > at;
  const newest = () => keys[keys.length - 1];
  const isDue = (key: SigningKey | undefined, at: number) => !key || at - key.createdAt >= rotationMs;

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
    const entries = (await state.list(SIGNING_KEY_SPACE)).sort((a, b) => createdAt(a) - createdAt(b));
    const known = new Map(keys.map((k) => [k.kid, k]));
    const loaded: SigningKey[] = [];
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i];
      const successor = entries[i + 1];
      let expiresAt = entry.expiresAt;
      if (successor && expiresAt === undefined) {
        // Retired by a successor whose maker did not get to record it (or has not yet): record it here.
        const retiredAt = createdAt(successor);
        expiresAt = retiredAt + retentionMs;
        if (expiresAt > at) await state.put(SIGNING_KEY_SPACE, entry.key, { ...entry.value, retiredAt }, expiresAt);
        else await state.delete(SIGNING_KEY_SPACE, entry.key);
      }
      if (expiresAt !== undefined && expiresAt <= at) continue;
      const previous = known.get(entry.key);
      const key = previous && previous.createdAt === createdAt(entry) ? { ...previous, ...(expiresAt === undefined ? {} : { expiresAt }) } : await importSigningKey(entry.value, expiresAt);
      if (key) loaded.push(key);
    }
    keys = loaded;
  }

  async function rotate(at: number): Promise<void> {
    const period = Math.floor(at / rotationMs);
    const kid = `es256-${options.rotationHours}h-${period}`;
    const stored = await generateSigningKey(kid, at);
    // Of several processes rotating at once, one inserts; the others read its key back on reload.
    await state.insert(SIGNING_KEY_SPACE, kid, stored);
  }

  return {
    async current() {
      const at = now();
      if (isDue(newest(), at) || at - loadedAt >= refreshMs) await reload();
      if (isDue(newest(), at)) {
        // Requests of this process that find the key due at once share one rotation.
        rotating ??= rotate(at)
          .then(() => reloadAfterNow())
          .finally(() => (rotating = undefined));
        await rotating;
      }
      const key = newest();
      if (!key) throw new Error('No signing key could be made or loaded');
      return key;
    },

    async byKid(kid) {
      const at = now();
      const known = keys.find((k) => k.kid === kid);
      if (known) return live(known, at) ? known : undefined;
      // An unknown kid may be a key another process just made: re-read, but at most once per interval, so
      // that tokens with made-up kids cannot turn into a stream of store reads.
      if (at - loadedAt < unknownKidReloadMs) {
        if (loading) await loading;
        else return undefined;
      } else await reload();
      const found = keys.find((k) => k.kid === kid);
      return found && live(found, now()) ? found : undefined;
    },

    async jwks() {
      const at = now();
      if (keys.length === 0 || at - loadedAt >= refreshMs) await reload();
      return { keys: keys.filter((k) => live(k, at)).reverse().map((k) => ({ ...k.publicJwk })) };
    },
  };
}

function createdAt(entry: StateEntry): number {
  const value = entry.value.createdAt;
  return typeof value === 'number' ? value : 0;
}
