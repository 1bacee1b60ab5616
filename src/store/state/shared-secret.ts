import { randomBytes } from 'node:crypto';
import type { StateStore } from './state-store';

export const SHARED_SECRET_SPACE = 'shared-secret';

/**
 * A random secret every process on one state store agrees on (the key of search page links, say): the first
 * process to ask creates it with insert, the single-winner primitive, and every process reads the winner's.
 */
export async function sharedSecret(state: StateStore, name: string, bytes = 32): Promise<Buffer> {
  await state.insert(SHARED_SECRET_SPACE, name, { secret: randomBytes(bytes).toString('base64') });
  const stored = await state.get(SHARED_SECRET_SPACE, name);
  if (typeof stored?.secret !== 'string') throw new Error(`shared secret '${name}' is missing from the state store`);
  return Buffer.from(stored.secret, 'base64');
}
