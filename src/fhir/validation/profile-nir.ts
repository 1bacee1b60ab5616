/**
 * The NIR / NIA check key (INSEE): the 13-character body N (Corsica 2A -> 19, 2B -> 18) and the key
 * 97 - (N mod 97), written on two digits. Spaces, dots and dashes are ignored and 2a/2b accepted.
 */
export function nirKeyValid(raw: string): boolean {
  const text = raw.replace(/[\s.-]/g, '').toUpperCase();
  if (!/^[0-9]{5}[0-9][0-9AB][0-9]{8}$/.test(text)) return false;
  const body = text.slice(0, 13).replace(/^(.{5})2A/, '$119').replace(/^(.{5})2B/, '$118');
  if (!/^[0-9]{13}$/.test(body)) return false;
  const key = Number(text.slice(13));
  return key === 97 - Number(BigInt(body) % 97n);
}
