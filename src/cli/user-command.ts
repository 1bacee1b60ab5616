import { createAccountStore, type UserAccounts } from '../auth/users/account-store';
import { SignInThrottle } from '../auth/users/sign-in-throttle';
import { accountKey, type AccountSummary } from '../auth/users/user-account';
import { systemClock } from '../kernel/clock';
import type { StateStore } from '../store/state/state-store';
import { UsageError, parseCommandLine } from './args';
import { STATE_OPTIONS, failed, readSecret, refusalMessage, table, withServerState } from './admin-command';

export const USER_USAGE = `Usage: lucarne user <add|passwd|list|remove> [options] [--data-dir <folder>] [--config file.json]

Manages the local accounts that sign in with a password, in the server's state. Run it with the
server's settings. Passwords (12 characters or more) are read from standard input, never from the
command line: e.g. printf '%s' "$PASSWORD" | lucarne user passwd --username admin --password-stdin
(on a terminal, it is asked for without echo).

  add --username <name> --password-stdin [--display-name <name>]
      [--fhir-user <Practitioner/123|Patient/456>]  The FHIR user the account acts as.
      [--admin]                         An administrator (may manage clients and accounts).
  passwd --username <name> --password-stdin         Replace the password (and lift a sign-in lockout).
  list [--json]                         The accounts (never their password hashes).
  remove --username <name>              Remove an account (not the last administrator).

Exit codes: 0 done, 1 no such account, 2 bad usage or an account change the server refuses.`;

/** `lucarne user add|passwd|list|remove`: the local accounts of the server's state store. */
export async function runUser(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === 'help' || sub === '--help' || sub === '-h') {
    process.stdout.write(`${USER_USAGE}\n`);
    return sub === undefined ? 2 : 0;
  }
  if (sub === 'add') return add(rest);
  if (sub === 'passwd') return passwd(rest);
  if (sub === 'list') return list(rest);
  if (sub === 'remove') return remove(rest);
  throw new UsageError(`unknown user command "${sub}" (add, passwd, list or remove)`);
}

type StateValues = { 'data-dir'?: string; config?: string };

function required(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`--${name} is required`);
  return value;
}

/** The password, from stdin: --password-stdin is required so that nobody expects a password argument. */
async function password(values: { 'password-stdin'?: boolean }): Promise<string> {
  if (!values['password-stdin']) throw new UsageError('--password-stdin is required: the password is read from standard input');
  return readSecret('password', { confirm: true });
}

/** Runs an account change, turning a refusal (AccountError) into its message and exit code 2. */
async function refusing(what: string, change: () => Promise<number>): Promise<number> {
  try {
    return await change();
  } catch (e) {
    const message = refusalMessage(e);
    if (message === undefined) throw e;
    return failed(`${what}: ${message}`, 2);
  }
}

function accounts(state: StateStore): UserAccounts {
  return createAccountStore(state, systemClock);
}

async function add(argv: string[]): Promise<number> {
  const args = parseCommandLine(argv, {
    ...STATE_OPTIONS,
    username: { type: 'string' },
    'display-name': { type: 'string' },
    'fhir-user': { type: 'string' },
    admin: { type: 'boolean' },
    'password-stdin': { type: 'boolean' },
  });
  if (args.help) return usage();
  const values = args.values as StateValues & { username?: string; 'display-name'?: string; 'fhir-user'?: string; admin?: boolean; 'password-stdin'?: boolean };
  const username = required(values, 'username');
  const secret = await password(values);
  return withServerState(values, 'user add', (state) =>
    refusing('account not added', async () => {
      const added = await accounts(state).add({
        username,
        password: secret,
        ...(values['display-name'] !== undefined ? { displayName: values['display-name'] } : {}),
        ...(values['fhir-user'] !== undefined ? { fhirUser: values['fhir-user'] } : {}),
        ...(values.admin ? { admin: true } : {}),
      });
      const role = [added.admin ? 'administrator' : '', added.fhirUser ?? ''].filter((s) => s !== '').join(', ');
      process.stdout.write(`Added account '${added.username}'${role ? ` (${role})` : ''}.\n`);
      return 0;
    }),
  );
}

async function passwd(argv: string[]): Promise<number> {
  const args = parseCommandLine(argv, { ...STATE_OPTIONS, username: { type: 'string' }, 'password-stdin': { type: 'boolean' } });
  if (args.help) return usage();
  const values = args.values as StateValues & { username?: string; 'password-stdin'?: boolean };
  const username = required(values, 'username');
  const secret = await password(values);
  return withServerState(values, 'user passwd', (state, config) =>
    refusing('password not changed', async () => {
      if (!(await accounts(state).setPassword(username, secret))) return failed(`no account '${username}'`, 1);
      // The operator vouches for the new password: failed sign-ins with the old one no longer lock the account.
      const throttle = new SignInThrottle(state, systemClock, { maxFailures: config.signInMaxFailures, lockoutMinutes: config.signInLockoutMinutes });
      await throttle.accountSucceeded(accountKey(username));
      process.stdout.write(`Changed the password of '${accountKey(username)}'.\n`);
      return 0;
    }),
  );
}

async function list(argv: string[]): Promise<number> {
  const args = parseCommandLine(argv, { ...STATE_OPTIONS, json: { type: 'boolean' } });
  if (args.help) return usage();
  const values = args.values as StateValues & { json?: boolean };
  return withServerState(values, 'user list', async (state) => {
    const all = (await accounts(state).list()).sort((a, b) => accountKey(a.username).localeCompare(accountKey(b.username)));
    if (values.json) process.stdout.write(`${JSON.stringify({ users: all }, null, 2)}\n`);
    else if (all.length === 0) process.stdout.write('No accounts.\n');
    else process.stdout.write(`${table(['USERNAME', 'DISPLAY NAME', 'FHIR USER', 'ADMIN', 'CREATED'], all.map(row))}\n`);
    return 0;
  });
}

function row(account: AccountSummary): string[] {
  return [account.username, account.displayName, account.fhirUser ?? '-', account.admin ? 'yes' : 'no', account.createdAt];
}

async function remove(argv: string[]): Promise<number> {
  const args = parseCommandLine(argv, { ...STATE_OPTIONS, username: { type: 'string' } });
  if (args.help) return usage();
  const values = args.values as StateValues & { username?: string };
  const username = required(values, 'username');
  return withServerState(values, 'user remove', async (state) => {
    const store = accounts(state);
    const account = await store.get(username);
    if (!account) return failed(`no account '${username}'`, 1);
    // Without any administrator the next server start would create 'admin' again with a new password.
    if (account.admin && !(await store.list()).some((a) => a.admin && accountKey(a.username) !== accountKey(username))) {
      return failed(`'${account.username}' is the only administrator: add another one (lucarne user add --admin) before removing it`, 2);
    }
    await store.remove(username);
    process.stdout.write(`Removed account '${account.username}'.\n`);
    return 0;
  });
}

function usage(): number {
  process.stdout.write(`${USER_USAGE}\n`);
  return 0;
}
