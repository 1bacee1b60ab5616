import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../kernel/clock';
import type { StateStore } from '../../store/state/state-store';
import type { AuthenticatedUser } from '../contracts';
import type { LaunchContext } from '../launch/launch-context';
import type { PatientChoice } from '../pages/flow-pages';
import type { Locale } from '../pages/messages';

export const PENDING_SPACE = 'authorize-request';
export const UPSTREAM_STATE_SPACE = 'upstream-sign-in';
/** Time for the user to sign in, pick a patient and consent. */
export const PENDING_SECONDS = 600;

/** An authorization request on its way through sign-in, patient choice and consent. */
export interface PendingAuthorization {
  readonly id: string;
  /** The browser the flow belongs to (hash of its browser cookie): another browser cannot continue it. */
  readonly browser: string;
  /** The CSRF token every form of the flow must carry back. */
  readonly csrf: string;
  readonly clientId: string;
  readonly clientName: string;
  readonly redirectUri: string;
  readonly state: string;
  readonly codeChallenge: string;
  readonly scopes: readonly string[];
  readonly nonce?: string;
  readonly locale: Locale;
  readonly launch?: LaunchContext;
  readonly user?: AuthenticatedUser;
  readonly sessionId?: string;
  readonly patient?: PatientChoice;
  /** The upstream sign-in's state and nonce, while the browser is at the upstream provider. */
  readonly upstream?: { readonly state: string; readonly nonce: string };
}

export type NewPendingAuthorization = Omit<PendingAuthorization, 'id' | 'csrf'>;

export interface PendingAuthorizations {
  create(request: NewPendingAuthorization): Promise<PendingAuthorization>;
  get(id: string): Promise<PendingAuthorization | undefined>;
  update(pending: PendingAuthorization): Promise<void>;
  /** Ends the flow: true for exactly one caller, so that one request is answered with one code at most. */
  finish(id: string): Promise<boolean>;
  /** Remembers which flow an upstream sign-in's `state` belongs to, for its callback. */
  indexUpstream(state: string, id: string): Promise<void>;
  byUpstreamState(state: string): Promise<string | undefined>;
}

export function hashOf(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/** Constant-time comparison of two tokens (the CSRF token of a form). */
export function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function createPendingAuthorizations(state: StateStore, clock: Clock): PendingAuthorizations {
  const expiry = () => clock.now().getTime() + PENDING_SECONDS * 1000;
  return {
    async create(request) {
      const pending: PendingAuthorization = { ...request, id: randomBytes(18).toString('base64url'), csrf: randomBytes(24).toString('base64url') };
      await state.put(PENDING_SPACE, pending.id, { ...pending }, expiry());
      return pending;
    },
    async get(id) {
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) return undefined;
      return (await state.get(PENDING_SPACE, id)) as PendingAuthorization | undefined;
    },
    async update(pending) {
      await state.put(PENDING_SPACE, pending.id, { ...pending }, expiry());
    },
    finish(id) {
      return state.delete(PENDING_SPACE, id);
    },
    async indexUpstream(upstreamState, id) {
      await state.put(UPSTREAM_STATE_SPACE, hashOf(upstreamState), { id }, expiry());
    },
    async byUpstreamState(upstreamState) {
      if (upstreamState === '') return undefined;
      const value = await state.get(UPSTREAM_STATE_SPACE, hashOf(upstreamState));
      // Single use: a replayed callback finds nothing.
      if (!value || !(await state.delete(UPSTREAM_STATE_SPACE, hashOf(upstreamState)))) return undefined;
      return value.id as string;
    },
  };
}
