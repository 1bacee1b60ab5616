import type { Clock } from '../../kernel/clock';
import type { StateStore } from '../../store/state/state-store';
import type { AuthorizationCodes, GrantHandler, SessionCheck, TokenIssuer, TokenRevocations } from '../contracts';
import type { RevokeRefreshToken } from '../token-endpoint/revoke-route';
import { createAuthorizationCodeGrant } from './authorization-code-grant';
import { createCodeStore } from './authorization-codes';
import { createRefreshTokenGrant } from './refresh-token-grant';
import { createRefreshTokens } from './refresh-tokens';

export interface GrantServicesDeps {
  readonly state: StateStore;
  readonly clock: Clock;
  readonly issuer: TokenIssuer;
  readonly revocations: TokenRevocations;
  /** Refresh-token lifetime; the token service must be given the same, so that a family's revocation outlives its tokens. */
  readonly refreshTokenDays: number;
  readonly isSessionLive: SessionCheck;
}

export interface GrantServices {
  /** For the authorization endpoint: turns an approval into a code. */
  readonly codes: AuthorizationCodes;
  readonly authorizationCode: GrantHandler;
  readonly refreshToken: GrantHandler;
  /** For /auth/revoke (ClientServices.routes' `revokeRefreshToken`). */
  readonly revokeRefreshToken: RevokeRefreshToken;
}

/** The user grants of the token endpoint: authorization codes, and the refresh tokens they may bring. */
export function createGrantServices(deps: GrantServicesDeps): GrantServices {
  const codes = createCodeStore(deps.state, deps.clock);
  const refreshTokens = createRefreshTokens(deps.state, deps.clock, deps.refreshTokenDays);
  return {
    codes: { issue: (approval) => codes.issue(approval) },
    authorizationCode: createAuthorizationCodeGrant({ codes, refreshTokens, issuer: deps.issuer, revocations: deps.revocations }),
    refreshToken: createRefreshTokenGrant({ refreshTokens, issuer: deps.issuer, revocations: deps.revocations, isSessionLive: deps.isSessionLive }),
    async revokeRefreshToken(token, client) {
      const found = await refreshTokens.find(token);
      if (!found || found.record.clientId !== client.clientId) return false;
      await deps.revocations.revokeFamily(found.record.family);
      return true;
    },
  };
}
