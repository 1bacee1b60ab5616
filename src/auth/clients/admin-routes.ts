import type { AuditSink } from '../../kernel/audit-sink';
import type { Clock } from '../../kernel/clock';
import type { WebRequest, WebResponse, WebRoute } from '../../kernel/web-route';
import type { AuthUrls } from '../auth-urls';
import { OAuthError, type ClientRegistry, type TokenVerifier, type VerifiedToken } from '../contracts';
import { errorResponse, jsonResponse } from '../token-endpoint/oauth-response';
import { clientView } from './client-registry';
import { completeRegistration, registrationFromJson } from './client-input';

export const CLIENTS_PATH = '/auth/manage/clients';

export interface ClientAdminDeps {
  readonly registry: ClientRegistry;
  readonly verifier: TokenVerifier;
  readonly audit: AuditSink;
  readonly clock: Clock;
  readonly urls: AuthUrls;
}

/** The administrator's bearer token (scope `admin`), or a 401/403 with the RFC 6750 challenge. */
async function administrator(request: WebRequest, verifier: TokenVerifier): Promise<VerifiedToken> {
  const authorization = request.headers.authorization;
  const match = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  if (!match) throw new OAuthError('invalid_token', 'an administrator access token is required', 401, { 'WWW-Authenticate': 'Bearer realm="lucarne"' });
  const token = await verifier.verify(match[1]).catch(() => undefined);
  if (!token) throw new OAuthError('invalid_token', 'the access token is not valid', 401, { 'WWW-Authenticate': 'Bearer realm="lucarne", error="invalid_token"' });
  if (!token.scopes.includes('admin')) {
    throw new OAuthError('insufficient_scope', 'the access token lacks scope admin', 403, { 'WWW-Authenticate': 'Bearer realm="lucarne", error="insufficient_scope", scope="admin"' });
  }
  return token;
}

/** The client id of `/auth/manage/clients/{id}`, '' for the collection, undefined for any other path. */
function idOf(path: string): string | undefined {
  if (path === CLIENTS_PATH || path === `${CLIENTS_PATH}/`) return '';
  if (!path.startsWith(`${CLIENTS_PATH}/`)) return undefined;
  const rest = path.slice(CLIENTS_PATH.length + 1);
  if (rest.includes('/')) return undefined;
  try {
    return decodeURIComponent(rest);
  } catch {
    return undefined;
  }
}

const NOT_FOUND = () => new OAuthError('not_found', 'no such client', 404);

/**
 * The administration API of the clients: GET/POST /auth/manage/clients, GET/DELETE /auth/manage/clients/{id}.
 * The GET and DELETE routes are prefix routes (WebRoute.prefix) answering the item paths below the collection.
 */
export function clientAdminRoutes(deps: ClientAdminDeps): WebRoute[] {
  const guarded = (handler: (request: WebRequest, id: string, admin: VerifiedToken) => Promise<WebResponse>) => async (request: WebRequest) => {
    try {
      const admin = await administrator(request, deps.verifier);
      const id = idOf(request.path);
      if (id === undefined) throw NOT_FOUND();
      return await handler(request, id, admin);
    } catch (e) {
      return errorResponse(e);
    }
  };
  const record = (request: WebRequest, admin: VerifiedToken, event: string, action: 'C' | 'D', status: number, clientId: string) =>
    deps.audit.record({
      kind: 'admin',
      event,
      action,
      status,
      recorded: deps.clock.now().toISOString(),
      requestId: request.requestId,
      remoteAddress: request.remoteAddress,
      clientId: admin.clientId,
      subject: admin.subject,
      fhirUser: admin.fhirUser,
      outcomeDescription: `client ${clientId}`,
    });

  return [
    {
      method: 'GET',
      path: CLIENTS_PATH,
      prefix: true,
      handle: guarded(async (_request, id) => {
        if (id === '') return jsonResponse(200, { clients: (await deps.registry.list()).map(clientView) });
        const client = await deps.registry.get(id);
        if (!client) throw NOT_FOUND();
        return jsonResponse(200, clientView(client));
      }),
    },
    {
      method: 'POST',
      path: CLIENTS_PATH,
      handle: guarded(async (request, id, admin) => {
        if (id !== '') throw NOT_FOUND();
        if (!/^application\/json\b/i.test(request.headers['content-type'] ?? '')) throw new OAuthError('invalid_request', 'the body must be application/json', 415);
        let body: unknown;
        try {
          body = JSON.parse(request.body);
        } catch {
          throw new OAuthError('invalid_request', 'the body is not valid JSON', 400);
        }
        const { client, secret } = completeRegistration(registrationFromJson(body));
        const stored = await deps.registry.add(client, secret);
        await record(request, admin, 'client-added', 'C', 201, stored.clientId);
        return jsonResponse(201, { ...clientView(stored), ...(secret ? { clientSecret: secret } : {}) }, {
          Location: deps.urls.url(`${CLIENTS_PATH}/${encodeURIComponent(stored.clientId)}`),
        });
      }),
    },
    {
      method: 'DELETE',
      path: CLIENTS_PATH,
      prefix: true,
      handle: guarded(async (request, id, admin) => {
        if (id === '' || !(await deps.registry.remove(id))) throw NOT_FOUND();
        await record(request, admin, 'client-removed', 'D', 204, id);
        return { status: 204, headers: { 'Cache-Control': 'no-store' } };
      }),
    },
  ];
}
