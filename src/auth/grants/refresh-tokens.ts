import type { Clock } from '../../kernel/clock';
import type { StateStore } from '../../store/state/state-store';
import type { TokenGrant } from '../contracts';
import { randomSecret, secretKey } from './opaque-secret';

export const REFRESH_TOKEN_SPACE = 'refresh-token';
export const USED_REFRESH_TOKEN_SPACE = 'refresh-token-used';

/** What a refresh token stands for. */
export interface RefreshRecord {
  readonly clientId: string;
  readonly family: string;
  /** The grant as originally approved: a narrower refresh narrows the access token, never this. */
  readonly grant: Omit<TokenGrant, 'family'>;
  /** online_access: the sign-in session the token lives with. */
  readonly sessionId?: string;
  /** online_access: the end of the family (epoch ms), which rotation does not move. */
  readonly notAfter?: number;
  /** Epoch milliseconds. */
  readonly expiresAt: number;
}

export interface FoundRefreshToken {
  readonly key: string;
  readonly record: RefreshRecord;
}

/** Which kind of refresh token a grant gets, if any. offline_access wins when both are granted. */
export type RefreshKind = 'offline' | 'online';

export function refreshKind(scopes: readonly string[], sessionId: string | undefined): RefreshKind | undefined {
  if (scopes.includes('offline_access')) return 'offline';
  // An online token without a session to follow could not end with it: none is issued.
  if (scopes.includes('online_access') && sessionId !== undefined) return 'online';
  return undefined;
}

export interface RefreshTokens {
  /**
   * Issues a refresh token of `family`. Lifetimes: offline_access slides, each rotation living refreshTokenDays
   * from its issue; online_access ends with its session and at most refreshTokenDays after the code was
   * redeemed (`notAfter`, kept through rotations).
   */
  issue(params: { clientId: string; family: string; grant: Omit<TokenGrant, 'family'>; kind: RefreshKind; sessionId?: string; notAfter?: number }): Promise<string>;
  find(token: string): Promise<FoundRefreshToken | undefined>;
  /** Marks the token used; atomic, so of concurrent uses exactly one gets true. */
  markUsed(found: FoundRefreshToken): Promise<boolean>;
}

export function createRefreshTokens(state: StateStore, clock: Clock, refreshTokenDays: number): RefreshTokens {
  const lifetimeMs = refreshTokenDays * 86_400_000;
  return {
    async issue({ clientId, family, grant, kind, sessionId, notAfter }) {
      const now = clock.now().getTime();
      const online = kind === 'online';
      const end = online ? Math.min(notAfter ?? now + lifetimeMs, now + lifetimeMs) : now + lifetimeMs;
      const record: RefreshRecord = {
        clientId,
        family,
        grant,
        ...(online ? { sessionId, notAfter: end } : {}),
        expiresAt: end,
      };
      const token = randomSecret();
      await state.put(REFRESH_TOKEN_SPACE, secretKey(token), { ...record }, end);
      return token;
    },

    async find(token) {
      const key = secretKey(token);
      const value = await state.get(REFRESH_TOKEN_SPACE, key);
      if (!value || typeof value.clientId !== 'string' || typeof value.family !== 'string' || typeof value.expiresAt !== 'number') return undefined;
      if (typeof value.grant !== 'object' || value.grant === null) return undefined;
      return { key, record: value as unknown as RefreshRecord };
    },

    async markUsed(found) {
      return state.insert(USED_REFRESH_TOKEN_SPACE, found.key, { usedAt: clock.now().getTime() }, found.record.expiresAt);
    },
  };
}
