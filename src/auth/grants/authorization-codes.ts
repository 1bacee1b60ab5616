import type { Clock } from '../../kernel/clock';
import type { StateStore } from '../../store/state/state-store';
import type { ApprovedAuthorization, AuthorizationCodes } from '../contracts';
import { randomSecret, secretKey } from './opaque-secret';

export const CODE_SPACE = 'oauth-code';
export const REDEEMED_CODE_SPACE = 'oauth-code-redeemed';
export const CODE_SECONDS = 60;

/** A live code as the token endpoint finds it. */
export interface PendingCode {
  /** The code's state-store key (its hash). */
  readonly key: string;
  readonly approval: ApprovedAuthorization;
  /** Epoch milliseconds. */
  readonly expiresAt: number;
}

/** The outcome of claiming a code: the first redemption wins; a later one learns the family the first was given. */
export type CodeClaim = { readonly won: true } | { readonly won: false; readonly family?: string };

export interface CodeStore extends AuthorizationCodes {
  find(code: string): Promise<PendingCode | undefined>;
  /** Marks the code redeemed by the tokens of `family`; atomic, so of concurrent claims exactly one wins. */
  claim(pending: PendingCode, family: string): Promise<CodeClaim>;
}

export function createCodeStore(state: StateStore, clock: Clock): CodeStore {
  return {
    async issue(approval) {
      const code = randomSecret();
      const expiresAt = clock.now().getTime() + CODE_SECONDS * 1000;
      await state.put(CODE_SPACE, secretKey(code), { approval: { ...approval }, expiresAt }, expiresAt);
      return code;
    },

    async find(code) {
      const key = secretKey(code);
      const value = await state.get(CODE_SPACE, key);
      if (!value || typeof value.approval !== 'object' || value.approval === null || typeof value.expiresAt !== 'number') return undefined;
      return { key, approval: value.approval as ApprovedAuthorization, expiresAt: value.expiresAt };
    },

    async claim(pending, family) {
      // The marker outlives the code a little, so that a replay just before expiry still finds it.
      const until = pending.expiresAt + CODE_SECONDS * 1000;
      if (await state.insert(REDEEMED_CODE_SPACE, pending.key, { family }, until)) return { won: true };
      const first = await state.get(REDEEMED_CODE_SPACE, pending.key);
      return { won: false, family: typeof first?.family === 'string' ? first.family : undefined };
    },
  };
}
