import { randomUUID } from 'node:crypto';

/** Injected source of server-assigned logical ids. */
export interface IdGenerator {
  next(): string;
}

export const uuidGenerator: IdGenerator = { next: () => randomUUID() };

export function sequentialIds(prefix = 'id'): IdGenerator {
  let n = 0;
  return { next: () => `${prefix}${++n}` };
}
