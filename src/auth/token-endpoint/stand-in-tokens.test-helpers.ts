/**
 * TEST STAND-IN for the real token service (src/auth/tokens: TokenIssuer, TokenVerifier, TokenRevocations),
 * which is built separately: signs ES256 access tokens with one in-memory key and keeps revocations in Sets.
 * For the tests and the benchmark of the clients and token endpoints only; never wired into the server.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT, generateKeyPair, jwtVerify, type CryptoKey } from 'jose';
import type { Clock } from '../../kernel/clock';
import type { AuthUrls } from '../auth-urls';
import type { TokenGrant, TokenIssuer, TokenRevocations, TokenVerifier, VerifiedToken } from '../contracts';

export interface StandInTokens {
  readonly issuer: TokenIssuer;
  readonly verifier: TokenVerifier;
  readonly revocations: TokenRevocations;
}

export async function createStandInTokens(urls: AuthUrls, clock: Clock, lifetimeSeconds = 300): Promise<StandInTokens> {
  const { privateKey, publicKey } = (await generateKeyPair('ES256')) as { privateKey: CryptoKey; publicKey: CryptoKey };
  const revokedTokens = new Set<string>();
  const revokedFamilies = new Set<string>();
  const seconds = () => Math.floor(clock.now().getTime() / 1000);

  const revocations: TokenRevocations = {
    async revokeToken(jti) {
      revokedTokens.add(jti);
    },
    async revokeFamily(family) {
      revokedFamilies.add(family);
    },
    async isRevoked(token) {
      return revokedTokens.has(token.jti) || (token.family !== undefined && revokedFamilies.has(token.family));
    },
  };

  const issuer: TokenIssuer = {
    async issueAccessToken(grant: TokenGrant) {
      const jti = randomUUID();
      const iat = seconds();
      const accessToken = await new SignJWT({ client_id: grant.clientId, scope: grant.scopes.join(' '), patient: grant.patient, fhirUser: grant.fhirUser, family: grant.family })
        .setProtectedHeader({ alg: 'ES256', kid: 'stand-in' })
        .setIssuer(urls.issuer)
        .setAudience(urls.fhirBase)
        .setSubject(grant.subject ?? grant.clientId)
        .setJti(jti)
        .setIssuedAt(iat)
        .setExpirationTime(iat + lifetimeSeconds)
        .sign(privateKey);
      return { accessToken, expiresIn: lifetimeSeconds, jti };
    },
    async issueIdToken() {
      throw new Error('the stand-in issues no id_token');
    },
  };

  const verifier: TokenVerifier = {
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, publicKey, { algorithms: ['ES256'], issuer: urls.issuer, audience: urls.fhirBase, currentDate: clock.now() });
        const verified: VerifiedToken = {
          jti: payload.jti!,
          issuedAt: payload.iat!,
          expiresAt: payload.exp!,
          clientId: payload.client_id as string,
          scopes: String(payload.scope ?? '').split(' ').filter(Boolean),
          subject: payload.sub === payload.client_id ? undefined : payload.sub,
          ...(payload.patient ? { patient: payload.patient as string } : {}),
          ...(payload.fhirUser ? { fhirUser: payload.fhirUser as string } : {}),
          ...(payload.family ? { family: payload.family as string } : {}),
        };
        return (await revocations.isRevoked(verified)) ? undefined : verified;
      } catch {
        return undefined;
      }
    },
  };

  return { issuer, verifier, revocations };
}
