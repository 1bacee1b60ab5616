import type { LucarneConfig } from '../../config/config';
import type { Clock } from '../../kernel/clock';
import { MemoryStateStore } from './memory-state-store';
import type { StateStore } from './state-store';

/**
 * The state store of the configured backend (what the server, the CLI and the tools open): the embedded
 * state file beside the embedded store, or the MongoDB database. For now in memory, one process only.
 */
export async function openStateStore(_config: LucarneConfig, clock: Clock): Promise<StateStore> {
  return new MemoryStateStore(clock);
}
