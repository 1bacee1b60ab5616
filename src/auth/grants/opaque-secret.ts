import { createHash, randomBytes } from 'node:crypto';

/** A fresh unguessable value (authorization code, refresh token, family id): 32 random bytes, base64url. */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * The state-store key of a secret: base64url SHA-256. Codes and refresh tokens are stored under their hash
 * only, so that whoever reads the store cannot present them.
 */
export function secretKey(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('base64url');
}
