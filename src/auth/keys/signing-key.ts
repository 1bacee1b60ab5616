import type { CryptoKey, JWK } from 'jose';
import { exportJWK, generateKeyPair, importJWK } from 'jose';
import type { StateValue } from '../../store/state/state-store';

/** The one algorithm the server signs and accepts its own tokens with. */
export const SIGNING_ALG = 'ES256';

/** State-store space of the signing keys, keyed by `kid`. */
export const SIGNING_KEY_SPACE = 'signing-key';

/** A signing key as the state store keeps it (JWKs, so that every process can import it). */
export interface StoredSigningKey extends StateValue {
  readonly kid: string;
  readonly privateJwk: JWK;
  readonly publicJwk: JWK;
  /** Epoch milliseconds. */
  readonly createdAt: number;
  /** From when it signs (epoch ms): a key is published before it signs, so that verifiers know it by then. */
  readonly activeAt: number;
  /** When its successor took over (epoch ms); recorded once the successor exists. */
  readonly retiredAt?: number;
}

/** A signing key ready for use. */
export interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  /** The public JWK as the JWKS publishes it (kid, alg, use). */
  readonly publicJwk: JWK;
  readonly createdAt: number;
  readonly activeAt: number;
  readonly retiredAt?: number;
  /** When the key leaves the store and the JWKS (epoch ms); absent while it is current. */
  readonly expiresAt?: number;
}

/** Makes a new P-256 key pair (extractable, so that it can be kept in the state store). */
export async function generateSigningKey(kid: string, createdAt: number, activeAt = createdAt): Promise<StoredSigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
  const privateJwk = await exportJWK(privateKey);
  const { kty, crv, x, y } = await exportJWK(publicKey);
  return { kid, privateJwk, publicJwk: { kty, crv, x, y }, createdAt, activeAt };
}

/** Imports a stored key; undefined when the entry is not a usable ES256 key (never trusted blindly). */
export async function importSigningKey(stored: StateValue, expiresAt?: number): Promise<SigningKey | undefined> {
  const { kid, privateJwk, publicJwk, createdAt, activeAt, retiredAt } = stored as Partial<StoredSigningKey>;
  if (typeof kid !== 'string' || typeof createdAt !== 'number' || typeof activeAt !== 'number' || !privateJwk || !publicJwk) return undefined;
  if (publicJwk.kty !== 'EC' || publicJwk.crv !== 'P-256') return undefined;
  try {
    const privateKey = (await importJWK(privateJwk, SIGNING_ALG)) as CryptoKey;
    const publicKey = (await importJWK(publicJwk, SIGNING_ALG)) as CryptoKey;
    const published: JWK = { kty: 'EC', crv: 'P-256', x: publicJwk.x, y: publicJwk.y, kid, alg: SIGNING_ALG, use: 'sig' };
    return {
      kid,
      privateKey,
      publicKey,
      publicJwk: published,
      createdAt,
      activeAt,
      ...(typeof retiredAt === 'number' ? { retiredAt } : {}),
      ...(expiresAt === undefined ? {} : { expiresAt }),
    };
  } catch {
    return undefined;
  }
}
