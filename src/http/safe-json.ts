import { MAX_JSON_DEPTH, readJson } from '../kernel/json/read-json';
import type { ScanBudget } from '../kernel/json/scan-json';

export { MAX_JSON_DEPTH };

/**
 * Parses a request body as JSON, refusing (400): malformed text, nesting deeper than MAX_JSON_DEPTH, the keys
 * `__proto__`, `constructor`, `prototype` anywhere (they invite prototype pollution in later merges),
 * duplicate keys in one object (JSON.parse would keep the last silently), and strings with an unpaired
 * surrogate or U+0000. Numbers keep their text as written (FHIR decimals: see kernel/json). `budget`: the
 * Bundle entries and JSON values per resource it may hold, refused (413) before anything is parsed.
 */
export function parseSafeJson(text: string, budget?: ScanBudget): unknown {
  return readJson(text, { strict: true, maxDepth: MAX_JSON_DEPTH, budget });
}
