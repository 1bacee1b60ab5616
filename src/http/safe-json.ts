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
  // The walk is only needed when a forbidden name (or an escape that could spell one) is in the text.
  if (/proto|constructor|\\u/.test(text)) checkKeys(value, '');
  return value;
}

/** A string-level scan counting open brackets outside strings: linear, no recursion. */
function checkDepth(text: string): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > MAX_JSON_DEPTH) throw badRequest(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
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
