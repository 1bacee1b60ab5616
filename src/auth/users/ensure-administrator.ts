import { randomBytes } from 'node:crypto';
import type { Logger } from '../../kernel/logger';
import type { UserAccounts } from './account-store';
import { AccountError } from './user-account';

export const INITIAL_ADMIN = 'admin';

export interface InitialAdministrator {
  readonly username: string;
  readonly password: string;
}

/**
 * On a server without any administrator, creates `admin` with a random password and logs the sign-in
 * instructions once (at warn, so they show at the default level). Later starts, and every process but one
 * of several starting together, create and print nothing: they get undefined. The account is stored with
 * StateStore.insert (UserAccounts.add), so of two processes creating it at once exactly one succeeds.
 */
export async function ensureAdministrator(accounts: UserAccounts, logger: Logger): Promise<InitialAdministrator | undefined> {
  if (await accounts.hasAdministrator()) return undefined;
  const password = randomBytes(18).toString('base64url');
  try {
    await accounts.add({ username: INITIAL_ADMIN, displayName: 'Administrator', password, admin: true });
  } catch (e) {
    // The name is taken, by a process that just created the administrator or by an ordinary account.
    if (!(e instanceof AccountError)) throw e;
    // Another process starting at the same time created it first.
    if (await accounts.hasAdministrator()) return undefined;
    logger.warn({ username: INITIAL_ADMIN }, 'No administrator account, and the name admin is taken: create one with lucarne user add --admin');
    return undefined;
  }
  logger.warn(
    { username: INITIAL_ADMIN },
    `Created the administrator account '${INITIAL_ADMIN}' with password ${password}. This password is shown once only: ` +
      `sign in and change it (lucarne user passwd --username ${INITIAL_ADMIN} --password-stdin).`,
  );
  return { username: INITIAL_ADMIN, password };
}
