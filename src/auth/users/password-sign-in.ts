import type { AuthenticatedUser, PasswordSignIn } from '../contracts';
import type { UserAccounts } from './account-store';
import { hashPassword, verifyPassword } from './password-hash';
import type { SignInThrottle } from './sign-in-throttle';
import { accountKey } from './user-account';

export interface LocalPasswordSignIn extends PasswordSignIn {
  /** Whether the account is locked by failed sign-ins now (for the audit and administrators, never the sign-in page). */
  isLocked(username: string): Promise<boolean>;
}

export function localSubject(username: string): string {
  return `local:${accountKey(username)}`;
}

/**
 * Sign-in with a local account's password. Every refusal looks the same to the caller and takes about the
 * same time: an unknown name or a locked account still costs one scrypt hash.
 */
export function createPasswordSignIn(accounts: UserAccounts, throttle: SignInThrottle): LocalPasswordSignIn {
  let dummy: Promise<string> | undefined;
  const dummyHash = () => (dummy ??= hashPassword('not anybody’s password', accounts.hashCost));

  return {
    isLocked: (username) => throttle.isAccountLocked(accountKey(username)),

    async signIn(username, password, remoteAddress) {
      if (remoteAddress && (await throttle.isAddressRefused(remoteAddress))) return undefined;
      const key = accountKey(username);
      const [account, locked] = await Promise.all([accounts.get(key), throttle.isAccountLocked(key)]);
      if (!account || locked) {
        await verifyPassword(password, await dummyHash());
        // Unknown names are not counted per account (that would fill the state store with whatever names an
        // attacker tries), nor are attempts on a locked account (which would keep it locked for ever).
        await addressFailed();
        return undefined;
      }
      if (!(await verifyPassword(password, account.passwordHash))) {
        await throttle.accountFailed(key);
        await addressFailed();
        return undefined;
      }
      await throttle.accountSucceeded(key);
      const user: AuthenticatedUser = {
        subject: localSubject(account.username),
        displayName: account.displayName,
        ...(account.fhirUser ? { fhirUser: account.fhirUser } : {}),
        ...(account.admin ? { admin: true } : {}),
      };
      return user;

      async function addressFailed(): Promise<void> {
        if (remoteAddress) await throttle.addressFailed(remoteAddress);
      }
    },
  };
}
