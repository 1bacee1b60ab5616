import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../../kernel/clock';
import type { WebRequest } from '../../kernel/web-route';
import type { StateStore } from '../../store/state/state-store';
import type { AuthenticatedUser } from '../contracts';
import { cookieHeader, readCookie } from './cookies';

export const SESSION_SPACE = 'sign-in-session';
export const SESSION_COOKIE = 'lucarne_session';

export interface SignInSession {
  /** The session's id as stored (a hash of the cookie value, so that the state store holds no usable cookie). */
  readonly id: string;
  readonly user: AuthenticatedUser;
  /** Epoch milliseconds. */
  readonly signedInAt: number;
}

export interface SignInSessions {
  /** Starts a session for `user`: the session and the Set-Cookie value that carries it. */
  start(user: AuthenticatedUser): Promise<{ session: SignInSession; cookie: string }>;
  /** The live session of the browser that sent `request`, if any. */
  of(request: Pick<WebRequest, 'headers'>): Promise<SignInSession | undefined>;
  isLive(id: string): Promise<boolean>;
}

export interface SignInSessionOptions {
  readonly state: StateStore;
  readonly clock: Clock;
  readonly minutes: number;
  /** Whether cookies are Secure (the server's public URL is https). */
  readonly secure: boolean;
  readonly cookiePath: string;
}

const hash = (value: string) => createHash('sha256').update(value).digest('base64url');

/** Sign-in sessions at the authorization server, kept in the state store so that every process knows them. */
export function createSignInSessions(options: SignInSessionOptions): SignInSessions {
  const { state, clock } = options;
  const lifetimeMs = options.minutes * 60_000;
  return {
    async start(user) {
      const secret = randomBytes(32).toString('base64url');
      const signedInAt = clock.now().getTime();
      const session: SignInSession = { id: hash(secret), user, signedInAt };
      await state.put(SESSION_SPACE, session.id, { user: { ...user }, signedInAt }, signedInAt + lifetimeMs);
      const cookie = cookieHeader(SESSION_COOKIE, secret, { maxAgeSeconds: Math.floor(lifetimeMs / 1000), secure: options.secure, path: options.cookiePath });
      return { session, cookie };
    },
    async of(request) {
      const secret = readCookie(request.headers.cookie, SESSION_COOKIE);
      if (!secret) return undefined;
      const id = hash(secret);
      const value = await state.get(SESSION_SPACE, id);
      if (!value) return undefined;
      return { id, user: value.user as AuthenticatedUser, signedInAt: value.signedInAt as number };
    },
    async isLive(id) {
      return (await state.get(SESSION_SPACE, id)) !== undefined;
    },
  };
}
