import { badRequest } from '../errors';

/** A number whose text a JS number would print differently, and where it sits: keys and indexes from the root. */
export interface ExactNumber {
  path: (string | number)[];
  text: string;
}

export interface ScanOptions {
  /** Request bodies: refuse duplicate keys, forbidden keys, lone surrogates and U+0000 in strings. */
  strict: boolean;
  maxDepth: number;
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** Objects with more keys than this check duplicates with a Set rather than by scanning an array. */
const SMALL_OBJECT = 16;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * One linear pass over JSON text, beside JSON.parse (which builds the tree natively and reports syntax
 * errors): it finds the numbers that need their text kept, and in strict mode refuses (400) what JSON.parse
 * silently accepts. Strings are skipped with indexOf to their closing quote; only strings with escapes and
 * keys are decoded. Nesting is counted before anything deep is built. On malformed text it never loops or
 * throws anything but a 400; JSON.parse then names the syntax error.
 */
export function scanJson(text: string, options: ScanOptions): ExactNumber[] | undefined {
  const { strict, maxDepth } = options;
  const n = text.length;
  const isArray: boolean[] = [];
  const slot: (string | number)[] = [];
  const keys: (string[] | Set<string>)[] = [];
  let depth = 0;
  let expectKey = false;
  let found: ExactNumber[] | undefined;
  let nextEscape = -1;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      let end = text.indexOf('"', i + 1);
      while (end >= 0 && escaped(text, end)) end = text.indexOf('"', end + 1);
      if (end < 0) return found;
      if (nextEscape < i) nextEscape = indexOrEnd(text, '\\', i);
      let decoded: string | undefined;
      if (nextEscape < end) {
        if (strict || expectKey) decoded = decode(text, i, end, strict);
        nextEscape = indexOrEnd(text, '\\', end + 1);
      }
      if (expectKey && depth > 0) {
        const key = decoded ?? text.slice(i + 1, end);
        if (strict) checkKey(keys, depth - 1, key, () => pathOf(isArray, slot, depth - 1, key));
        slot[depth - 1] = key;
        expectKey = false;
      }
      i = end;
    } else if (c === 0x7b || c === 0x5b) {
      if (depth >= maxDepth) throw badRequest(`JSON nested deeper than ${maxDepth} levels`);
      isArray[depth] = c === 0x5b;
      slot[depth] = 0;
      if (strict && c === 0x7b) keys[depth] = [];
      depth++;
      expectKey = c === 0x7b;
    } else if (c === 0x7d || c === 0x5d) {
      if (depth > 0) depth--;
      expectKey = false;
    } else if (c === 0x2c) {
      if (depth > 0) {
        if (isArray[depth - 1]) slot[depth - 1] = (slot[depth - 1] as number) + 1;
        else expectKey = true;
      }
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      let j = i + 1;
      while (j < n && isNumberChar(text.charCodeAt(j))) j++;
      if (!printsAlike(text, i, j)) (found ??= []).push({ path: slot.slice(0, depth), text: text.slice(i, j) });
      i = j - 1;
    }
  }
  return found;
}

function indexOrEnd(text: string, needle: string, from: number): number {
  const at = text.indexOf(needle, from);
  return at < 0 ? text.length : at;
}

/** Whether the quote at `at` is escaped: preceded by an odd run of backslashes. */
function escaped(text: string, at: number): boolean {
  let k = at - 1;
  while (text.charCodeAt(k) === 0x5c) k--;
  return (at - 1 - k) % 2 === 1;
}

function decode(text: string, start: number, end: number, strict: boolean): string {
  let value: string;
  try {
    value = JSON.parse(text.slice(start, end + 1)) as string;
  } catch {
    throw badRequest('Malformed JSON: invalid escape in a string');
  }
  if (strict) {
    if (LONE_SURROGATE.test(value)) throw badRequest('Invalid JSON string: an unpaired UTF-16 surrogate escape');
    if (value.includes('\u0000')) throw badRequest('Invalid JSON string: U+0000 is not allowed');
  }
  return value;
}

function checkKey(keys: (string[] | Set<string>)[], frame: number, key: string, path: () => string): void {
  if (FORBIDDEN_KEYS.has(key)) throw badRequest(`Forbidden JSON key '${key}'`, path());
  const seen = keys[frame];
  if (Array.isArray(seen)) {
    if (seen.includes(key)) throw duplicate(key, path());
    seen.push(key);
    if (seen.length > SMALL_OBJECT) keys[frame] = new Set(seen);
  } else {
    if (seen.has(key)) throw duplicate(key, path());
    seen.add(key);
  }
}

function duplicate(key: string, path: string) {
  return badRequest(`Duplicate JSON key '${key.slice(0, 100)}' in one object`, path.slice(0, 300));
}

/** `a[1].b` for the key at `frame`, from the keys and indexes of the frames above it. */
function pathOf(isArray: boolean[], slot: (string | number)[], frame: number, key: string): string {
  let path = '';
  for (let d = 0; d < frame; d++) {
    if (isArray[d]) path += `[${slot[d] as number}]`;
    else path += path === '' ? String(slot[d]) : `.${String(slot[d])}`;
  }
  return path === '' ? key : `${path}.${key}`;
}

function isNumberChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === 0x2d;
}

/** Whether a JS number prints the token text[start, end) back as written. Short plain integers need no work. */
function printsAlike(text: string, start: number, end: number): boolean {
  let k = text.charCodeAt(start) === 0x2d ? start + 1 : start;
  const first = text.charCodeAt(k);
  if (end - start <= 15 && first !== 0x30) {
    for (; k < end; k++) {
      const c = text.charCodeAt(k);
      if (c < 0x30 || c > 0x39) break;
    }
    if (k === end) return true;
  }
  const token = text.slice(start, end);
  return String(Number(token)) === token;
}
