import type { WebRequest, WebResponse } from '../../kernel/web-route';
import { OAuthError } from '../contracts';

/** Token, introspection and revocation answers must never be cached (RFC 6749 §5.1). */
export const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' } as const;

export function jsonResponse(status: number, body: object, headers: Record<string, string> = {}): WebResponse {
  return { status, headers: { 'Content-Type': 'application/json', ...NO_STORE, ...headers }, body };
}

/** An OAuthError as RFC 6749 §5.2 has it; anything else is a server_error without its details. */
export function errorResponse(e: unknown): WebResponse {
  if (e instanceof OAuthError) return jsonResponse(e.status, { error: e.error, error_description: e.description }, { ...e.headers });
  return jsonResponse(500, { error: 'server_error', error_description: 'the request could not be processed' });
}

/**
 * The form of a POST to the token, introspection or revocation endpoint: application/x-www-form-urlencoded
 * only, and no parameter more than once (RFC 6749 §3.2).
 */
export function readForm(request: WebRequest): URLSearchParams {
  const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    throw new OAuthError('invalid_request', 'the body must be application/x-www-form-urlencoded', 400);
  }
  const form = new URLSearchParams(request.body);
  const seen = new Set<string>();
  for (const name of form.keys()) {
    if (seen.has(name)) throw new OAuthError('invalid_request', `parameter '${name.slice(0, 40)}' is given more than once`, 400);
    seen.add(name);
  }
  return form;
}
