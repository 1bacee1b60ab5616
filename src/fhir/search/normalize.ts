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
  if (ASCII.test(s)) return s.toLowerCase().replace(ASCII_SEPARATORS, ' ').trim();
  return s.normalize('NFD').replace(MARKS, '').toLowerCase().replace(SEPARATORS, ' ').trim();
}
