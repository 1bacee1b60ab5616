import { badRequest } from '../kernel/errors';

/** Deeper JSON is refused before parsing, so neither JSON.parse nor later recursive walks can overflow. */
export const MAX_JSON_DEPTH = 100;

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Parses a request body as JSON, refusing (400): malformed text, nesting deeper than MAX_JSON_DEPTH, and the
 * keys `__proto__`, `constructor`, `prototype` anywhere (they invite prototype pollution in later merges).
 */
export function parseSafeJson(text: string): unknown {
  checkDepth(text);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw badRequest(`Malformed JSON: ${(err as Error).message.slice(0, 200)}`);
  }
  // The walk is only needed when a forbidden name (or an escape that could spell one) is in the text. It
  // runs without building paths; only a body that has such a key is walked again to name where.
  if (/proto|constructor|\\u/.test(text) && hasForbiddenKey(value)) checkKeys(value, '');
  return value;
}

/**
 * A string-level scan counting open brackets outside strings: linear, no recursion. Strings (most of a FHIR
 * body, keys included) are skipped with indexOf to their closing quote rather than character by character.
 */
function checkDepth(text: string): void {
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      let end = text.indexOf('"', i + 1);
      while (end >= 0 && escaped(text, end)) end = text.indexOf('"', end + 1);
      if (end < 0) return; // an unterminated string: no bracket after it counts, JSON.parse reports it
      i = end;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > MAX_JSON_DEPTH) throw badRequest(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
}

/** Whether the quote at `at` is escaped: preceded by an odd run of backslashes (inside the string). */
function escaped(text: string, at: number): boolean {
  let k = at - 1;
  while (text.charCodeAt(k) === 0x5c) k--;
  return (at - 1 - k) % 2 === 1;
}

function hasForbiddenKey(root: unknown): boolean {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (value === null || typeof value !== 'object') continue;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) stack.push(value[i]);
      continue;
    }
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) return true;
      stack.push((value as Record<string, unknown>)[key]);
    }
  }
  return false;
}

function checkKeys(root: unknown, rootPath: string): void {
  const stack: [unknown, string][] = [[root, rootPath]];
  while (stack.length > 0) {
    const [value, path] = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (Array.isArray(value)) {
      value.forEach((v, i) => stack.push([v, `${path}[${i}]`]));
      continue;
    }
    for (const key of Object.keys(value)) {
      const childPath = path ? `${path}.${key}` : key;
      if (FORBIDDEN_KEYS.has(key)) throw badRequest(`Forbidden JSON key '${key}'`, childPath);
      stack.push([(value as Record<string, unknown>)[key], childPath]);
    }
  }
}
