import type { AuditSink } from '../../kernel/audit-sink';
import type { Clock } from '../../kernel/clock';
import type { WebRoute } from '../../kernel/web-route';
import { OAuthError, type GrantHandler } from '../contracts';
import { claimedClientId, type LucarneClientAuthenticator } from '../clients/client-authenticator';
import { errorResponse, jsonResponse, readForm } from './oauth-response';
import { recordToken } from './token-audit';

export interface TokenRouteDeps {
  readonly authenticator: LucarneClientAuthenticator;
  readonly grants: readonly GrantHandler[];
  readonly audit: AuditSink;
  readonly clock: Clock;
}

/** POST /auth/token: authenticates the client, runs the grant handler of `grant_type`, audits the outcome. */
export function tokenRoute(deps: TokenRouteDeps): WebRoute {
  const handlers = new Map(deps.grants.map((g) => [g.grantType, g]));
  return {
    method: 'POST',
    path: '/auth/token',
    async handle(request) {
      let form = new URLSearchParams();
      let clientId: string | undefined;
      try {
        form = readForm(request);
        clientId = claimedClientId(request, form);
        const grantType = form.get('grant_type');
        if (!grantType) throw new OAuthError('invalid_request', 'grant_type is required', 400);
        const handler = handlers.get(grantType);
        if (!handler) throw new OAuthError('unsupported_grant_type', `grant_type '${grantType.slice(0, 60)}' is not supported`, 400);
        const client = await deps.authenticator.authenticate(request, form);
        clientId = client.clientId;
        const response = await handler.grant(client, form, request);
        await recordToken(deps.audit, deps.clock, request, 'token-issued', {
          status: 200,
          clientId,
          outcomeDescription: `${grantType}: ${response.scope}`.slice(0, 1000),
          ...(response.patient ? { patients: [`Patient/${response.patient}`] } : {}),
        });
        return jsonResponse(200, response);
      } catch (e) {
        const answer = errorResponse(e);
        const description = e instanceof OAuthError ? `${e.error}: ${e.description}` : 'server_error';
        // The refusal is answered even if it cannot be recorded; an issued token never is (above).
        await recordToken(deps.audit, deps.clock, request, 'token-refused', { status: answer.status, clientId, outcomeDescription: description.slice(0, 1000) }).catch(() => undefined);
        return answer;
      }
    },
  };
}
