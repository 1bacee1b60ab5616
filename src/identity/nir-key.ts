/** A NIR or NIA as written in an identifier: spaces, dots and dashes dropped, Corsica's 2a/2b upper-cased. */
export function normaliseNir(raw: string): string {
  return raw.replace(/[\s.-]/g, '').toUpperCase();
}

/**
 * Whether a NIR / NIA (15 characters, normalised) has the right INSEE check key: with the 13-character body
 * read as a number N (Corsica's department 2A counts as 19, 2B as 18), the key is 97 - (N mod 97).
 */
export function hasValidNirKey(nir: string): boolean {
  if (!/^[0-9]{5}(?:[0-9]{2}|2A|2B)[0-9]{8}$/.test(nir)) return false;
  const body = nir.slice(0, 13).replace(/^(.{5})2A/, '$119').replace(/^(.{5})2B/, '$118');
  return Number(nir.slice(13)) === 97 - Number(BigInt(body) % 97n);
}
