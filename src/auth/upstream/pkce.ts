import { createHash, createHmac } from 'node:crypto';

/**
 * The PKCE code verifier of one sign-in, derived from a server secret and the sign-in's `state` and `nonce`,
 * so that the callback (in whichever process it lands) recomputes it without storing it. Without the secret
 * it cannot be guessed from the state and nonce, which travel in URLs.
 */
export function codeVerifier(secret: string, state: string, nonce: string): string {
  return createHmac('sha256', secret).update('pkce\0').update(state).update('\0').update(nonce).digest('base64url');
}

/** S256 challenge of a verifier (RFC 7636 §4.2). */
export function codeChallenge(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}
