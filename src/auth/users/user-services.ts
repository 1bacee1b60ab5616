import type { LucarneConfig } from '../../config/config';
import type { Clock } from '../../kernel/clock';
import type { Logger } from '../../kernel/logger';
import type { StateStore } from '../../store/state/state-store';
import type { FhirStore } from '../../store/store';
import type { UpstreamSignIn } from '../contracts';
import { createUpstreamSignIn } from '../upstream/oidc-upstream-sign-in';
import { createAccountStore, type UserAccounts } from './account-store';
import { ensureAdministrator, type InitialAdministrator } from './ensure-administrator';
import { DEFAULT_SCRYPT_COST, type ScryptCost } from './password-hash';
import { createPasswordSignIn, type LocalPasswordSignIn } from './password-sign-in';
import { SignInThrottle } from './sign-in-throttle';

export interface UserServicesDeps {
  readonly config: LucarneConfig;
  readonly state: StateStore;
  readonly clock: Clock;
  readonly store: FhirStore;
  readonly logger: Logger;
  /** Password hashing cost (tests lower it); default scrypt N = 2^15, r = 8, p = 1. */
  readonly hashCost?: ScryptCost;
  /** For tests of the upstream sign-in; default: the global fetch. */
  readonly fetch?: typeof fetch;
}

export interface UserServices {
  readonly accounts: UserAccounts;
  readonly signIn: LocalPasswordSignIn;
  /** Present when oidcIssuer, oidcClientId and oidcClientSecret are all set. */
  readonly upstream?: UpstreamSignIn;
  /** Creates the first administrator when there is none; the sign-in instructions are logged once. */
  ensureAdministrator(): Promise<InitialAdministrator | undefined>;
}

/** Who the user is: local and patient accounts, their password sign-in, and the upstream OpenID provider. */
export function createUserServices(deps: UserServicesDeps): UserServices {
  const { config, state, clock, logger } = deps;
  const accounts = createAccountStore(state, clock, deps.hashCost ?? DEFAULT_SCRYPT_COST);
  const throttle = new SignInThrottle(state, clock, { maxFailures: config.signInMaxFailures, lockoutMinutes: config.signInLockoutMinutes });
  const upstream = config.oidcIssuer && config.oidcClientId && config.oidcClientSecret
    ? createUpstreamSignIn(
        { issuer: config.oidcIssuer, clientId: config.oidcClientId, clientSecret: config.oidcClientSecret, rppsClaim: config.oidcRppsClaim },
        { store: deps.store, clock, logger, ...(deps.fetch ? { fetch: deps.fetch } : {}) },
      )
    : undefined;
  if (config.oidcIssuer && !upstream) logger.warn('oidcIssuer is set without oidcClientId and oidcClientSecret: upstream sign-in is off');
  return {
    accounts,
    signIn: createPasswordSignIn(accounts, throttle),
    ...(upstream ? { upstream } : {}),
    ensureAdministrator: () => ensureAdministrator(accounts, logger),
  };
}
