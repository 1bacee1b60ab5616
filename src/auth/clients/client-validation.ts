import { OAuthError, type RegisteredClient } from '../contracts';
import { parseScopes } from '../scopes';

const TYPES = ['public', 'confidential-symmetric', 'confidential-asymmetric'];

/** Scopes outside SMART's grammar that a client may still be allowed: the administration API's. */
const EXTRA_SCOPES = ['admin'];

/** JWK members that only a private or symmetric key has: a client registers its public keys only. */
const SECRET_KEY_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];

function invalid(description: string): OAuthError {
  return new OAuthError('invalid_request', description, 400);
}

function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '[::1]';
}

/** An absolute https URL (http only on a loopback host), without fragment. */
function checkUrl(value: unknown, what: string): void {
  if (typeof value !== 'string' || value === '') throw invalid(`${what} must be an absolute URL`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(`${what} '${value.slice(0, 200)}' is not an absolute URL`);
  }
  if (value.includes('#')) throw invalid(`${what} '${value.slice(0, 200)}' must not have a fragment`);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
    throw invalid(`${what} '${value.slice(0, 200)}' must use https (http only for 127.0.0.1 or localhost)`);
  }
}

function checkJwks(jwks: unknown): void {
  const keys = (jwks as { keys?: unknown } | undefined)?.keys;
  if (typeof jwks !== 'object' || jwks === null || !Array.isArray(keys) || keys.length === 0) throw invalid('jwks must be {"keys": [...]} with at least one key');
  for (const key of keys as unknown[]) {
    if (typeof key !== 'object' || key === null) throw invalid('every key of jwks must be a JWK object');
    const jwk = key as Record<string, unknown>;
    if (jwk.kty !== 'RSA' && jwk.kty !== 'EC') throw invalid('jwks keys must be RSA or EC public keys');
    if (SECRET_KEY_MEMBERS.some((m) => m in jwk)) throw invalid('jwks must hold public keys only (a key has private members)');
  }
}

/** Refuses a client record that could not work or would be unsafe (OAuthError invalid_request). */
export function validateClient(client: RegisteredClient, secret: string | undefined): void {
  if (typeof client.clientId !== 'string' || !/^[A-Za-z0-9._~:@-]{1,128}$/.test(client.clientId)) {
    throw invalid('clientId must be 1 to 128 characters among letters, digits and . _ ~ : @ -');
  }
  if (typeof client.name !== 'string' || client.name.trim() === '') throw invalid('name is required');
  if (!TYPES.includes(client.type)) throw invalid(`type must be one of ${TYPES.join(', ')}`);
  if (!Array.isArray(client.redirectUris)) throw invalid('redirectUris must be an array of URLs');
  for (const uri of client.redirectUris) checkUrl(uri, 'redirect URI');
  if (!Array.isArray(client.allowedScopes) || client.allowedScopes.some((s) => typeof s !== 'string' || /\s/.test(s) || s === '')) {
    throw invalid('allowedScopes must be an array of scopes');
  }
  const parsed = parseScopes(client.allowedScopes);
  if (parsed.errors.length > 0) throw invalid(parsed.errors.join('; '));
  const unknown = parsed.ignored.filter((s) => !EXTRA_SCOPES.includes(s));
  if (unknown.length > 0) throw invalid(`unknown scope(s): ${unknown.join(' ').slice(0, 200)}`);

  if (client.type === 'confidential-asymmetric') {
    if (!client.jwks && !client.jwksUri) throw invalid('an asymmetric client needs jwks or jwksUri');
    if (client.jwks) checkJwks(client.jwks);
    if (client.jwksUri !== undefined) checkUrl(client.jwksUri, 'jwksUri');
  } else if (client.jwks || client.jwksUri) {
    throw invalid('only an asymmetric client has jwks or jwksUri');
  }
  if (client.type === 'confidential-symmetric') {
    if (!secret && !client.secretHash) throw invalid('a symmetric client needs a secret');
    if (secret !== undefined && secret.length < 16) throw invalid('a client secret must have at least 16 characters');
  } else if (secret !== undefined || client.secretHash) {
    throw invalid('only a symmetric client has a secret');
  }
}
