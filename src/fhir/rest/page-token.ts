import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { badRequest } from '../../kernel/errors';
import type { SearchCursor } from '../search/search-request';

/**
 * Opaque `_cursor` tokens for keyset paging: base64url(JSON cursor) '.' base64url(HMAC-SHA256). The MAC
 * covers the cursor and the search it belongs to (its parameters other than paging and presentation), so a
 * token that was altered or moved to another search is a 400. The key is LUCARNE_PAGE_TOKEN_KEY when set;
 * otherwise the server installs the one its state store shares (usePageTokenKey), so that every process on
 * one database, and the server after a restart, accept each other's page links. Until then, a random one.
 */
const FROM_ENVIRONMENT = process.env.LUCARNE_PAGE_TOKEN_KEY ? Buffer.from(process.env.LUCARNE_PAGE_TOKEN_KEY) : undefined;
let KEY: Buffer = FROM_ENVIRONMENT ?? randomBytes(32);

/** Installs the key the server's processes share; LUCARNE_PAGE_TOKEN_KEY, when set, still wins. */
export function usePageTokenKey(key: Buffer): void {
  if (!FROM_ENVIRONMENT) KEY = key;
}

/** Parameters that do not change which resources a search matches nor their order. */
const NOT_BOUND = new Set(['_cursor', '_count', '_offset', '_format', '_pretty', '_summary', '_elements', '_total']);

export const CURSOR_PARAM = '_cursor';

/**
 * The search's identity for the MAC: its other parameters, order-insensitive, and the access token that
 * asked (`tokenId`), so that a page link works only for the token that made it.
 */
export function searchFingerprint(path: string, query: URLSearchParams, tokenId = ''): string {
  const pairs = [...query].filter(([k]) => !NOT_BOUND.has(k)).map(([k, v]) => `${k}=${v}`).sort();
  return `${path}?${pairs.join('&')}${tokenId ? `\n${tokenId}` : ''}`;
}

function mac(payload: string, fingerprint: string): Buffer {
  return createHmac('sha256', KEY).update(payload).update('\n').update(fingerprint).digest();
}

export function encodePageToken(cursor: SearchCursor, fingerprint: string): string {
  const payload = Buffer.from(JSON.stringify({ k: cursor.keys, a: cursor.after ? 1 : 0 })).toString('base64url');
  return `${payload}.${mac(payload, fingerprint).toString('base64url')}`;
}

export function decodePageToken(token: string, fingerprint: string): SearchCursor {
  const invalid = () => badRequest('_cursor is invalid or belongs to another search', CURSOR_PARAM);
  const [payload, signature, ...rest] = token.split('.');
  if (!payload || !signature || rest.length > 0 || token.length > 8192) throw invalid();
  const expected = mac(payload, fingerprint);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
  try {
    const parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { k: unknown; a: unknown };
    if (!Array.isArray(parsed.k) || (parsed.a !== 0 && parsed.a !== 1)) throw invalid();
    return { keys: parsed.k as SearchCursor['keys'], after: parsed.a === 1 };
  } catch {
    throw invalid();
  }
}
