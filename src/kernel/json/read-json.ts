import { badRequest } from '../errors';
import { EXACT_TEXTS, attachExactTexts } from './exact-numbers';
import { scanJson, type ExactNumber } from './scan-json';

/** Deeper JSON is refused before parsing, so neither JSON.parse nor later recursive walks can overflow. */
export const MAX_JSON_DEPTH = 100;

export interface ReadJsonOptions {
  /** Refuse duplicate keys, prototype keys, lone surrogates and U+0000 (request bodies). Default false. */
  strict?: boolean;
  maxDepth?: number;
}

/**
 * Parses JSON keeping every number's text where a JS number would print it differently (see
 * exact-numbers.ts), so writeJson gives back `12.80`, `1e-400` or a 20-digit integer as written. Malformed
 * JSON and, in strict mode, what the scan refuses are a 400.
 */
export function readJson(text: string, options: ReadJsonOptions = {}): unknown {
  const exact = scanJson(text, { strict: options.strict ?? false, maxDepth: options.maxDepth ?? Infinity });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    // JSON.parse quotes a piece of the text: never echo control characters or binary back.
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    throw badRequest(`Malformed JSON: ${(err as Error).message.slice(0, 200).replace(/[\u0000-\u001f\u007f-\u009f\ufffd]/g, '?')}`);
  }
  if (exact !== undefined) attachAll(value, exact);
  return value;
}

function attachAll(root: unknown, numbers: ExactNumber[]): void {
  // Holders come fresh from JSON.parse, so a table already on one was put there by this loop.
  for (const { path, text } of numbers) {
    let holder = root;
    for (let i = 0; i < path.length - 1 && holder !== null && typeof holder === 'object'; i++) {
      holder = (holder as Record<string | number, unknown>)[path[i]];
    }
    if (path.length === 0 || holder === null || typeof holder !== 'object') continue;
    let texts = (holder as Record<symbol, Record<string, string> | undefined>)[EXACT_TEXTS];
    if (texts === undefined) attachExactTexts(holder, (texts = Object.create(null) as Record<string, string>));
    texts[path[path.length - 1]] = text;
  }
}
