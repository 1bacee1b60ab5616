/** A JSON object kept in the state store. */
export type StateValue = { readonly [key: string]: unknown };

export interface StateEntry {
  readonly key: string;
  readonly value: StateValue;
  /** Epoch milliseconds after which the entry no longer exists; absent: it lives until deleted. */
  readonly expiresAt?: number;
}

/**
 * The server's own small state, shared by every process on one database (so that N processes behave as one
 * server): OAuth clients, authorization codes, refresh-token families, used assertion `jti`s, signing keys,
 * launch contexts, sign-in sessions and lockouts. Entries live in named spaces (`oauth-code`, `client`...),
 * keyed by a string, optionally until an expiry time; an expired entry is treated as absent everywhere.
 *
 * `insert` is the one atomic primitive: of several processes inserting the same key, exactly one gets true.
 * Everything single-use (a code redeemed, a refresh token rotated, a jti seen) is built on it.
 */
export interface StateStore {
  /** Stores `value` under `key` unless a live entry has it: true when this call created it. */
  insert(space: string, key: string, value: StateValue, expiresAt?: number): Promise<boolean>;
  /** Stores `value` under `key`, replacing any entry. */
  put(space: string, key: string, value: StateValue, expiresAt?: number): Promise<void>;
  /** The live entry's value, or undefined. */
  get(space: string, key: string): Promise<StateValue | undefined>;
  /** Removes the entry: true when a live one was there. */
  delete(space: string, key: string): Promise<boolean>;
  /** Every live entry of the space, in key order. For small spaces (clients, keys), not for codes. */
  list(space: string): Promise<StateEntry[]>;
  close(): Promise<void>;
}
