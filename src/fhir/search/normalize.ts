const SIMPLE = /^[a-z0-9]+(?: [a-z0-9]+)*$/;
const ASCII = /^[\x20-\x7e]*$/;
const ASCII_SEPARATORS = /[^a-z0-9]+/g;
const MARKS = /\p{M}+/gu;
const SEPARATORS = /[\p{P}\p{S}\p{Z}\s]+/gu;

/**
 * The form of strings compared by string search: accents removed (NFD then combining marks dropped), lower
 * case, punctuation and whitespace runs collapsed to one space, trimmed. "Jean-Pierre" and "jean pierre"
 * normalise alike, and "Hélène" becomes "helene". Used for both stored values and search values.
 */
export function normalizeString(s: string): string {
  if (SIMPLE.test(s)) return s;
  let result = cache.get(s);
  if (result === undefined) {
    result = ASCII.test(s)
      ? s.toLowerCase().replace(ASCII_SEPARATORS, ' ').trim()
      : s.normalize('NFD').replace(MARKS, '').toLowerCase().replace(SEPARATORS, ' ').trim();
    if (cache.size >= CACHE_SIZE) cache.clear();
    if (s.length <= 200) cache.set(s, result);
  }
  return result;
}

/** Code displays, names and cities repeat across resources; remembering them saves most of the work. */
const CACHE_SIZE = 20000;
const cache = new Map<string, string>();
