import type { StateStore, StateValue } from '../../store/state/state-store';
import { OAuthError, type ClientRegistry, type RegisteredClient } from '../contracts';
import { validateClient } from './client-validation';
import { hashSecret } from './secret-hash';

export const CLIENT_SPACE = 'client';

/** The registered clients, in the state store (space `client`, keyed by client id) so every process sees them. */
export function createClientRegistry(state: StateStore): ClientRegistry {
  return {
    async get(clientId) {
      const value = await state.get(CLIENT_SPACE, clientId);
      return value as RegisteredClient | undefined;
    },
    async list() {
      return (await state.list(CLIENT_SPACE)).map((e) => e.value as unknown as RegisteredClient);
    },
    async add(client, secret) {
      validateClient(client, secret);
      const stored: RegisteredClient = withoutUndefined({ ...client, secretHash: secret !== undefined ? await hashSecret(secret) : client.secretHash });
      if (!(await state.insert(CLIENT_SPACE, stored.clientId, stored as unknown as StateValue))) {
        throw new OAuthError('invalid_request', `client id '${client.clientId}' is already registered`, 409);
      }
      return stored;
    },
    remove(clientId) {
      return state.delete(CLIENT_SPACE, clientId);
    },
  };
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** What the administration API and the CLI show of a client: everything but the secret's hash. */
export function clientView(client: RegisteredClient): Omit<RegisteredClient, 'secretHash'> {
  const { secretHash: _hash, ...view } = client;
  return view;
}
