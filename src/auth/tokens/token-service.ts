import type { LucarneConfig } from '../../config/config';
import type { Clock } from '../../kernel/clock';
import type { WebRoute } from '../../kernel/web-route';
import type { StateStore } from '../../store/state/state-store';
import type { AuthUrls } from '../auth-urls';
import { authUrls } from '../auth-urls';
import type { BearerAuthenticator, TokenIssuer, TokenRevocations, TokenVerifier } from '../contracts';
import { discoveryRoutes } from '../discovery/discovery-routes';
import type { SigningKeys } from '../keys/signing-keys';
import { createSigningKeys } from '../keys/signing-keys';
import { createBearerAuthenticator } from './bearer-authenticator';
import { accessTokenLifetime, createTokenIssuer } from './token-issuer';
import { createTokenRevocations } from './token-revocations';
import type { SignatureVerifier } from './token-verifier';
import { createTokenVerifier } from './token-verifier';

export interface TokenServiceDeps {
  readonly config: Pick<LucarneConfig, 'baseUrl' | 'accessTokenSeconds' | 'signingKeyRotationHours' | 'refreshTokenDays'>;
  readonly state: StateStore;
  readonly clock: Clock;
}

/** Keys, tokens and their discovery: what the rest of the authorization server and the FHIR API use. */
export interface TokenService {
  readonly urls: AuthUrls;
  readonly keys: SigningKeys;
  readonly issuer: TokenIssuer;
  /** verify (revocation included); verifySignature without the revocation check. */
  readonly verifier: TokenVerifier & SignatureVerifier;
  readonly revocations: TokenRevocations;
  readonly bearer: BearerAuthenticator;
  /** SMART configuration, OpenID configuration and JWKS. */
  readonly routes: WebRoute[];
}

export function createTokenService({ config, state, clock }: TokenServiceDeps): TokenService {
  const urls = authUrls(config);
  const tokenSeconds = accessTokenLifetime(config.accessTokenSeconds);
  const keys = createSigningKeys({ state, clock, rotationHours: config.signingKeyRotationHours, tokenSeconds });
  const revocations = createTokenRevocations({
    state,
    clock,
    familySeconds: Math.max(config.refreshTokenDays * 86_400, tokenSeconds),
  });
  const verifier = createTokenVerifier({ keys, urls, clock, revocations });
  return {
    urls,
    keys,
    issuer: createTokenIssuer({ keys, urls, clock, accessTokenSeconds: config.accessTokenSeconds }),
    verifier,
    revocations,
    bearer: createBearerAuthenticator({ verifier, revocations, clock, realm: urls.fhirBase }),
    routes: discoveryRoutes(urls, keys),
  };
}
