import type { Clock } from '../../kernel/clock';
import { systemClock } from '../../kernel/clock';
import type { StateEntry, StateStore, StateValue } from './state-store';

/**
 * The state store of one process, in memory: for unit tests and the read-only tools. Values are copied in
 * and out as JSON, as the durable stores do, so a caller can never change a stored value in place.
 */
export class MemoryStateStore implements StateStore {
  private readonly spaces = new Map<string, Map<string, { json: string; expiresAt?: number }>>();

  constructor(private readonly clock: Clock = systemClock) {}

  async insert(space: string, key: string, value: StateValue, expiresAt?: number): Promise<boolean> {
    if (this.live(space, key)) return false;
    this.space(space).set(key, { json: JSON.stringify(value), expiresAt });
    return true;
  }

  async put(space: string, key: string, value: StateValue, expiresAt?: number): Promise<void> {
    this.space(space).set(key, { json: JSON.stringify(value), expiresAt });
  }

  async get(space: string, key: string): Promise<StateValue | undefined> {
    const entry = this.live(space, key);
    return entry ? (JSON.parse(entry.json) as StateValue) : undefined;
  }

  async delete(space: string, key: string): Promise<boolean> {
    const existed = this.live(space, key) !== undefined;
    this.spaces.get(space)?.delete(key);
    return existed;
  }

  async list(space: string): Promise<StateEntry[]> {
    const keys = [...(this.spaces.get(space)?.keys() ?? [])].sort();
    const entries: StateEntry[] = [];
    for (const key of keys) {
      const entry = this.live(space, key);
      if (entry) entries.push({ key, value: JSON.parse(entry.json) as StateValue, ...(entry.expiresAt === undefined ? {} : { expiresAt: entry.expiresAt }) });
    }
    return entries;
  }

  async close(): Promise<void> {}

  private space(space: string): Map<string, { json: string; expiresAt?: number }> {
    let entries = this.spaces.get(space);
    if (!entries) this.spaces.set(space, (entries = new Map()));
    return entries;
  }

  private live(space: string, key: string): { json: string; expiresAt?: number } | undefined {
    const entry = this.spaces.get(space)?.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt <= this.clock.now().getTime()) {
      this.spaces.get(space)?.delete(key);
      return undefined;
    }
    return entry;
  }
}
