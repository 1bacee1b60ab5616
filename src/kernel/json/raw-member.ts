import { NUMBER_MARK } from './exact-numbers';
import { readJson } from './read-json';

const RAW_MEMBER = Symbol('raw JSON member');

interface Raw {
  key: string;
  text: string;
}

type Holder = Record<string | symbol, unknown>;

/** The JSON texts spliced by the writeJson call under way (undefined outside one). */
let pending: string[] | undefined;

/**
 * Gives `holder` a member whose value is JSON text kept as written (a search's Bundle inside a batch
 * response, say): writeJson splices the text verbatim, and the value is parsed only if someone reads it
 * (once; a read value replaces the text, so later changes are what gets written). Saves parsing and
 * re-serialising megabytes that only pass through. Key order: the member comes where it is defined.
 */
export function withRawMember<T extends object>(holder: T, key: string, text: string): T {
  (holder as Holder)[RAW_MEMBER] = { key, text } satisfies Raw;
  Object.defineProperty(holder, key, {
    enumerable: true,
    configurable: true,
    get(this: Holder) {
      return settle(this, key, readJson(text));
    },
    set(this: Holder, value: unknown) {
      settle(this, key, value);
    },
  });
  Object.defineProperty(holder, 'toJSON', { value: rawToJSON, configurable: true, writable: true });
  return holder;
}

function settle(holder: Holder, key: string, value: unknown): unknown {
  Object.defineProperty(holder, key, { value, enumerable: true, configurable: true, writable: true });
  delete holder[RAW_MEMBER];
  return value;
}

/** JSON.stringify's view: within writeJson, a copy whose raw member is a marker the writer replaces. */
function rawToJSON(this: Holder): unknown {
  const raw = this[RAW_MEMBER] as Raw | undefined;
  if (raw === undefined) return this;
  if (pending === undefined) return { ...this };
  const copy: Holder = {};
  for (const name of Object.keys(this)) {
    copy[name] = name === raw.key ? `${NUMBER_MARK}R${pending.push(raw.text) - 1}` : this[name];
  }
  return copy;
}

/** A marker written by rawToJSON, as JSON.stringify escapes it. */
const MARKED_RAW = /"\\u0000R([0-9]+)"/g;

/** Runs `write` (a JSON.stringify) so that raw members are spliced into its text. */
export function withRawMembers(write: () => string): string {
  if (pending !== undefined) return write();
  pending = [];
  try {
    const text = write();
    const texts = pending;
    return texts.length === 0 || typeof text !== 'string' ? text : text.replace(MARKED_RAW, (_, i: string) => texts[Number(i)]);
  } finally {
    pending = undefined;
  }
}
