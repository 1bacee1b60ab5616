import { MAX_JSON_DEPTH, readJson } from '../kernel/json/read-json';

export { MAX_JSON_DEPTH };

/**
 * Parses a request body as JSON, refusing (400): malformed text, nesting deeper than MAX_JSON_DEPTH, the keys
 * `__proto__`, `constructor`, `prototype` anywhere (they invite prototype pollution in later merges),
 * duplicate keys in one object (JSON.parse would keep the last silently), and strings with an unpaired
 * surrogate or U+0000. Numbers keep their text as written (FHIR decimals: see kernel/json).
 */
export function parseSafeJson(text: string): unknown {
  return readJson(text, { strict: true, maxDepth: MAX_JSON_DEPTH });
}
