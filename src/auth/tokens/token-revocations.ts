import type { Clock } from '../../kernel/clock';
import type { StateStore } from '../../store/state/state-store';
import type { TokenRevocations, VerifiedToken } from '../contracts';

export const REVOKED_TOKEN_SPACE = 'revoked-token';
export const REVOKED_FAMILY_SPACE = 'revoked-family';

export interface TokenRevocationOptions {
  readonly state: StateStore;
  readonly clock: Clock;
  /**
   * How long a family's revocation is kept (seconds): at least as long as its refresh tokens live and
   * one access-token lifetime, so that nothing issued from the family outlives the record.
   */
  readonly familySeconds: number;
  /** Kept past a token's `exp`, for the verifiers' clock tolerance (default 60 s). */
  readonly marginSeconds?: number;
}

/** Revocations kept in the state store, so that a token revoked at one process is refused at all of them. */
export function createTokenRevocations(options: TokenRevocationOptions): TokenRevocations {
  const { state, clock } = options;
  const marginMs = (options.marginSeconds ?? 60) * 1000;
  const now = () => clock.now().getTime();

  return {
    async revokeToken(jti: string, expiresAt: number): Promise<void> {
      const until = expiresAt * 1000 + marginMs;
      if (until <= now()) return;
      await state.put(REVOKED_TOKEN_SPACE, jti, { revokedAt: now() }, until);
    },

    async revokeFamily(family: string): Promise<void> {
      await state.put(REVOKED_FAMILY_SPACE, family, { revokedAt: now() }, now() + options.familySeconds * 1000 + marginMs);
    },

    async isRevoked(token: Pick<VerifiedToken, 'jti' | 'family'>): Promise<boolean> {
      const [byJti, byFamily] = await Promise.all([
        state.get(REVOKED_TOKEN_SPACE, token.jti),
        token.family === undefined ? undefined : state.get(REVOKED_FAMILY_SPACE, token.family),
      ]);
      return byJti !== undefined || byFamily !== undefined;
    },
  };
}
