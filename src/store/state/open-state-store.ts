import { resolve } from 'node:path';
import type { LucarneConfig } from '../../config/config';
import type { Clock } from '../../kernel/clock';
import { MemoryStateStore } from './memory-state-store';
import { SqliteStateStore } from './sqlite-state-store';
import type { StateStore } from './state-store';

/**
 * The state store of the configured backend (what the server, the CLI and the tools open): the embedded
 * state file beside the embedded store. With MongoDB it is still per process (in memory) — see the README:
 * several processes on one MongoDB do not share keys, codes and revocations yet.
 */
export async function openStateStore(config: LucarneConfig, clock: Clock): Promise<StateStore> {
  if (config.mongodbUrl) return new MemoryStateStore(clock);
  return new SqliteStateStore(resolve(config.dataDir), clock);
}
