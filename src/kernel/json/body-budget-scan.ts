import { tooLarge } from '../errors';

/**
 * What one body may cost, counted on its bytes as they arrive: a Bundle's entries, and the JSON values
 * (objects, arrays, strings, numbers, booleans, null) of each resource (the body, or one item of its
 * top-level `entry` array).
 */
export interface ScanBudget {
  maxEntries: number;
  maxResourceValues: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** Strings up to this many bytes are read in JavaScript; longer ones with native searches. */
const SHORT_STRING = 48;
/** Longest depth-1 key or resourceType kept: enough for `entry`, `resourceType` and any type name. */
const KEPT = 64;

/**
 * Counts a JSON body against a ScanBudget chunk by chunk, on the raw UTF-8 bytes (structural characters are
 * ASCII and never part of a multi-byte sequence), so that a body past the budget is refused (413) at the
 * chunk where it goes past, before it is decoded, assembled or parsed. It checks no syntax: JSON.parse does
 * that later, and malformed text only makes the counts meaningless, never the scan longer than one pass.
 * Entries are counted unless the root's resourceType is known not to be Bundle (a List has entries too),
 * whatever the key order. A key written with escapes is not recognised, so such a Bundle is bounded by its
 * values as one resource, and by the entry check after parsing.
 */
export class BodyBudgetScan {
  private readonly isArray: boolean[] = [];
  private depth = 0;
  private expectKey = false;
  private inString = false;
  private escaped = false;
  private inToken = false;
  private stringIsKey = false;
  /** Bytes of the depth-1 key or value string being read (undefined when not kept). */
  private kept: number[] | undefined;
  private lastRootKey = '';
  private rootType: string | undefined;
  private entriesOpen = false;
  private values = 0;
  private rootValues = 0;
  private entries = 0;
  private nextBackslash = -1;

  constructor(private readonly budget: ScanBudget) {}

  feed(chunk: Buffer): void {
    const n = chunk.length;
    let i = 0;
    this.nextBackslash = -1;
    while (i < n) {
      if (this.inString) {
        i = this.skipString(chunk, i);
        continue;
      }
      const c = chunk[i++];
      switch (c) {
        case QUOTE:
          this.inToken = false;
          this.inString = true;
          this.stringIsKey = this.expectKey;
          if (!this.expectKey) this.count();
          this.kept = this.depth === 1 && !this.isArray[0] ? [] : undefined;
          break;
        case 0x7b: // {
        case 0x5b: // [
          this.inToken = false;
          this.open(c === 0x5b);
          break;
        case 0x7d: // }
        case 0x5d: // ]
          this.inToken = false;
          this.close();
          break;
        case 0x2c: // ,
          this.inToken = false;
          if (this.depth > 0 && !this.isArray[this.depth - 1]) this.expectKey = true;
          break;
        case 0x3a: // :
        case 0x20:
        case 0x09:
        case 0x0a:
        case 0x0d:
          this.inToken = false;
          break;
        default:
          // A number, true, false or null: counted at its first character.
          if (!this.inToken) {
            this.inToken = true;
            this.count();
          }
      }
    }
  }

  /**
   * Reads string bytes from `i`: short strings byte by byte, long ones (most of a body's bytes) by native
   * searches to the next quote or backslash, whose call costs more than a short string's loop.
   */
  private skipString(chunk: Buffer, i: number): number {
    if (this.escaped) {
      this.escaped = false;
      this.keep(chunk, i, i + 1);
      return i + 1;
    }
    const n = chunk.length;
    const near = Math.min(n, i + SHORT_STRING);
    for (let k = i; k < near; k++) {
      const c = chunk[k];
      if (c === QUOTE || c === BACKSLASH) return this.stringStop(chunk, i, k, c);
    }
    if (near === n) {
      this.keep(chunk, i, n);
      return n;
    }
    const quote = chunk.indexOf(QUOTE, near);
    const stop = quote < 0 ? n : quote;
    // The next backslash of the chunk, searched again only once passed (most strings have none).
    if (this.nextBackslash < near) {
      const at = chunk.indexOf(BACKSLASH, near);
      this.nextBackslash = at < 0 ? n : at;
    }
    if (this.nextBackslash < stop) return this.stringStop(chunk, i, this.nextBackslash, BACKSLASH);
    if (quote < 0) {
      this.keep(chunk, i, n);
      return n;
    }
    return this.stringStop(chunk, i, quote, QUOTE);
  }

  /** The string's bytes from `from` reach a quote (its end) or a backslash (an escape) at `at`. */
  private stringStop(chunk: Buffer, from: number, at: number, c: number): number {
    this.keep(chunk, from, at);
    if (c === BACKSLASH) this.escaped = true;
    else this.endString();
    return at + 1;
  }

  private keep(chunk: Buffer, from: number, to: number): void {
    const kept = this.kept;
    if (kept === undefined) return;
    for (let k = from; k < to && kept.length < KEPT; k++) kept.push(chunk[k]);
  }

  private open(array: boolean): void {
    if (this.depth === 2 && this.entriesOpen) {
      if (++this.entries > this.budget.maxEntries && (this.rootType === undefined || this.rootType === 'Bundle')) {
        const max = this.budget.maxEntries;
        throw tooLarge(`The Bundle has more than ${max} entries, at most ${max} are accepted (maxBundleEntries); split it`);
      }
      this.rootValues = this.values;
      this.values = 0;
    }
    this.count();
    if (this.depth === 1 && array && !this.isArray[0] && this.lastRootKey === 'entry') this.entriesOpen = true;
    this.isArray[this.depth] = array;
    this.depth++;
    this.expectKey = !array;
  }

  private close(): void {
    if (this.depth > 0) this.depth--;
    this.expectKey = false;
    if (this.depth === 2 && this.entriesOpen) this.values = this.rootValues;
    else if (this.depth === 1) this.entriesOpen = false;
  }

  private endString(): void {
    this.inString = false;
    if (this.kept !== undefined) {
      const text = String.fromCharCode(...this.kept);
      if (this.stringIsKey) this.lastRootKey = text;
      else if (this.lastRootKey === 'resourceType') this.rootType = text;
      this.kept = undefined;
    }
    if (this.stringIsKey) this.expectKey = false;
  }

  private count(): void {
    if (++this.values > this.budget.maxResourceValues) {
      throw tooLarge(`A resource holds more than ${this.budget.maxResourceValues} JSON values (maxResourceElements); send less in one resource`);
    }
  }
}
