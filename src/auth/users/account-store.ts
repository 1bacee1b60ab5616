import type { Clock } from '../../kernel/clock';
import type { StateStore, StateValue } from '../../store/state/state-store';
import { DEFAULT_SCRYPT_COST, hashPassword, type ScryptCost } from './password-hash';
import {
  AccountError, accountKey, checkFhirUser, checkPassword, checkUsername, summaryOf,
  type AccountSummary, type NewAccount, type UserAccount,
} from './user-account';

export const USER_SPACE = 'user';

/** Local accounts, kept in the state store so that every process and the CLI see the same ones. */
export interface UserAccounts {
  /** Creates the account; AccountError when the name is taken or a field is not acceptable. */
  add(account: NewAccount): Promise<AccountSummary>;
  get(username: string): Promise<UserAccount | undefined>;
  /** Every account, by username, without password hashes. */
  list(): Promise<AccountSummary[]>;
  remove(username: string): Promise<boolean>;
  /** Replaces the password; false when there is no such account. */
  setPassword(username: string, password: string): Promise<boolean>;
  hasAdministrator(): Promise<boolean>;
  /** The cost new hashes are made with (the sign-in hashes a dummy with it for unknown users). */
  readonly hashCost: ScryptCost;
}

export function createAccountStore(state: StateStore, clock: Clock, hashCost: ScryptCost = DEFAULT_SCRYPT_COST): UserAccounts {
  const get = async (username: string): Promise<UserAccount | undefined> => {
    const value = await state.get(USER_SPACE, accountKey(username));
    return value ? (value as unknown as UserAccount) : undefined;
  };
  return {
    hashCost,
    get,
    async add(input) {
      const username = input.username.trim();
      checkUsername(username);
      checkPassword(input.password);
      if (input.fhirUser !== undefined) checkFhirUser(input.fhirUser);
      const displayName = input.displayName?.trim() || username;
      if (await get(username)) throw new AccountError(`an account named '${username}' already exists`);
      const account: UserAccount = {
        username,
        displayName,
        passwordHash: await hashPassword(input.password, hashCost),
        ...(input.fhirUser ? { fhirUser: input.fhirUser } : {}),
        ...(input.admin ? { admin: true } : {}),
        createdAt: clock.now().toISOString(),
      };
      // insert, not put: of two concurrent adds of one name, the second is refused rather than overwriting.
      if (!(await state.insert(USER_SPACE, accountKey(username), account as unknown as StateValue))) {
        throw new AccountError(`an account named '${username}' already exists`);
      }
      return summaryOf(account);
    },
    async list() {
      const entries = await state.list(USER_SPACE);
      return entries.map((e) => summaryOf(e.value as unknown as UserAccount));
    },
    remove: (username) => state.delete(USER_SPACE, accountKey(username)),
    async setPassword(username, password) {
      checkPassword(password);
      const account = await get(username);
      if (!account) return false;
      const updated: UserAccount = { ...account, passwordHash: await hashPassword(password, hashCost) };
      await state.put(USER_SPACE, accountKey(username), updated as unknown as StateValue);
      return true;
    },
    async hasAdministrator() {
      const entries = await state.list(USER_SPACE);
      return entries.some((e) => (e.value as unknown as UserAccount).admin === true);
    },
  };
}
