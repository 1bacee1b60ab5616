import { readFileSync } from 'node:fs';
import { completeRegistration, registrationFromJson } from '../auth/clients/client-input';
import { clientView, createClientRegistry } from '../auth/clients/client-registry';
import type { RegisteredClient } from '../auth/contracts';
import { UsageError, parseCommandLine } from './args';
import { STATE_OPTIONS, failed, readSecret, refusalMessage, table, withServerState } from './admin-command';

export const CLIENT_USAGE = `Usage: lucarne client <add|list|remove> [options] [--data-dir <folder>] [--config file.json]

Manages the OAuth clients (SMART apps, EHRs, backend services) in the server's state, as the
administration API /auth/manage/clients does, with the same checks. Run it with the server's settings.

  add --id <id> --name <name> --type <public|confidential-symmetric|confidential-asymmetric>
      [--redirect-uri <uri>]...         Exact redirect URI (https; http only on 127.0.0.1 or localhost).
      [--scope <scope>]...              Scopes the client may be granted (several per value, space-separated).
      [--jwks-file <file> | --jwks-uri <url>]  Public keys of an asymmetric client (a JWK Set or one JWK).
      [--secret-stdin]                  Read a symmetric client's secret (16 characters or more) from stdin;
                                        without it a secret is generated and printed, this once only.
      [--can-launch]                    The client is an EHR that may register launch contexts.
      [--carries-launch-user]           The EHR user who launched the app may be carried into its tokens.
      [--json]                          Print the registered client as JSON.
  list [--json]                         The registered clients (never their secrets).
  remove --id <id>                      Remove a client: it can no longer authenticate.

Exit codes: 0 done, 1 no such client, 2 bad usage or a registration the server refuses.`;

const ADD_OPTIONS = {
  ...STATE_OPTIONS,
  id: { type: 'string' },
  name: { type: 'string' },
  type: { type: 'string' },
  'redirect-uri': { type: 'string', multiple: true },
  scope: { type: 'string', multiple: true },
  'jwks-file': { type: 'string' },
  'jwks-uri': { type: 'string' },
  'secret-stdin': { type: 'boolean' },
  'can-launch': { type: 'boolean' },
  'carries-launch-user': { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

type AddValues = {
  'data-dir'?: string;
  config?: string;
  id?: string;
  name?: string;
  type?: string;
  'redirect-uri'?: string[];
  scope?: string[];
  'jwks-file'?: string;
  'jwks-uri'?: string;
  'secret-stdin'?: boolean;
  'can-launch'?: boolean;
  'carries-launch-user'?: boolean;
  json?: boolean;
};

/** `lucarne client add|list|remove`: the clients of the server's state store. */
export async function runClient(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === 'help' || sub === '--help' || sub === '-h') {
    process.stdout.write(`${CLIENT_USAGE}\n`);
    return sub === undefined ? 2 : 0;
  }
  if (sub === 'add') return add(rest);
  if (sub === 'list') return list(rest);
  if (sub === 'remove') return remove(rest);
  throw new UsageError(`unknown client command "${sub}" (add, list or remove)`);
}

function required(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`--${name} is required`);
  return value;
}

async function add(argv: string[]): Promise<number> {
  const args = parseCommandLine(argv, ADD_OPTIONS);
  if (args.help) return usage();
  const values = args.values as AddValues;
  const id = required(values, 'id');
  const name = required(values, 'name');
  const type = required(values, 'type');
  if (values['jwks-file'] !== undefined && values['jwks-uri'] !== undefined) throw new UsageError('give --jwks-file or --jwks-uri, not both');
  const jwks = values['jwks-file'] !== undefined ? readJwks(values['jwks-file']) : undefined;
  const secret = values['secret-stdin'] ? await readSecret('client secret') : undefined;

  return withServerState(values, 'client add', async (state) => {
    const registry = createClientRegistry(state);
    try {
      // The administration API's path: the same member checks, completion (generated secret) and validation.
      const registration = registrationFromJson({
        clientId: id,
        name,
        type,
        redirectUris: values['redirect-uri'] ?? [],
        allowedScopes: (values.scope ?? []).flatMap((s) => s.split(/\s+/)).filter((s) => s !== ''),
        ...(jwks !== undefined ? { jwks } : {}),
        ...(values['jwks-uri'] !== undefined ? { jwksUri: values['jwks-uri'] } : {}),
        ...(values['can-launch'] ? { canLaunch: true } : {}),
        ...(values['carries-launch-user'] ? { carriesLaunchUser: true } : {}),
      });
      const completed = completeRegistration(registration);
      const generated = secret === undefined ? completed.secret : undefined;
      const stored = await registry.add(completed.client, secret ?? generated);
      if (values.json) {
        process.stdout.write(`${JSON.stringify({ ...clientView(stored), ...(generated ? { clientSecret: generated } : {}) }, null, 2)}\n`);
      } else {
        process.stdout.write(`Registered client '${stored.clientId}' (${stored.type}).\n`);
        if (generated) process.stdout.write(`Its secret, shown this once only (keep it now): ${generated}\n`);
      }
      return 0;
    } catch (e) {
      const message = refusalMessage(e);
      if (message === undefined) throw e;
      return failed(`client not registered: ${message}`, 2);
    }
  });
}

/** A JWK Set from a file; a file holding one JWK is taken as the set of that key. */
function readJwks(file: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`--jwks-file ${file}: ${(e as Error).message.split('\n')[0]}`);
  }
  const single = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && 'kty' in parsed && !('keys' in parsed);
  return single ? { keys: [parsed] } : parsed;
}

async function list(argv: string[]): Promise<number> {
  const args = parseCommandLine(argv, { ...STATE_OPTIONS, json: { type: 'boolean' } });
  if (args.help) return usage();
  const values = args.values as { 'data-dir'?: string; config?: string; json?: boolean };
  return withServerState(values, 'client list', async (state) => {
    const clients = (await createClientRegistry(state).list()).sort((a, b) => a.clientId.localeCompare(b.clientId));
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ clients: clients.map(clientView) }, null, 2)}\n`);
    } else if (clients.length === 0) {
      process.stdout.write('No clients registered.\n');
    } else {
      process.stdout.write(`${table(['CLIENT ID', 'TYPE', 'NAME', 'SCOPES', 'REDIRECT URIS', 'LAUNCH'], clients.map(row))}\n`);
    }
    return 0;
  });
}

function row(client: RegisteredClient): string[] {
  const launch = [client.canLaunch ? 'can-launch' : '', client.carriesLaunchUser ? 'carries-launch-user' : ''].filter((s) => s !== '');
  const or = (items: readonly string[]) => (items.length > 0 ? items.join(' ') : '-');
  return [client.clientId, client.type, client.name, or(client.allowedScopes), or(client.redirectUris), launch.length > 0 ? launch.join(',') : '-'];
}

async function remove(argv: string[]): Promise<number> {
  const args = parseCommandLine(argv, { ...STATE_OPTIONS, id: { type: 'string' } });
  if (args.help) return usage();
  const values = args.values as { 'data-dir'?: string; config?: string; id?: string };
  const id = required(values, 'id');
  return withServerState(values, 'client remove', async (state) => {
    if (!(await createClientRegistry(state).remove(id))) return failed(`no client '${id}'`, 1);
    process.stdout.write(`Removed client '${id}'.\n`);
    return 0;
  });
}

function usage(): number {
  process.stdout.write(`${CLIENT_USAGE}\n`);
  return 0;
}
