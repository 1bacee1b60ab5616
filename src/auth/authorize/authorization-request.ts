import type { AuthUrls } from '../auth-urls';
import { OAuthError, type ClientRegistry, type RegisteredClient } from '../contracts';
import { grantInteractiveScopes } from '../scope-grants';

/** A refusal at the authorization endpoint: shown on a page when the app cannot be trusted with it, else redirected. */
export class AuthorizeError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
    /** Where the error may be sent (the registered redirect URI, with the request's state); absent: shown on a page. */
    readonly redirect?: { readonly uri: string; readonly state?: string },
  ) {
    super(`${error}: ${description}`);
  }
}

/** An authorization request once every rule of the endpoint holds. */
export interface AuthorizationRequest {
  readonly client: RegisteredClient;
  readonly redirectUri: string;
  readonly state: string;
  readonly codeChallenge: string;
  /** The scopes to grant: the requested ones within what the client is allowed. */
  readonly scopes: readonly string[];
  readonly nonce?: string;
  readonly launch?: string;
  readonly uiLocales?: string;
}

const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
const PARAMETERS = ['response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'aud', 'launch', 'code_challenge', 'code_challenge_method', 'nonce', 'ui_locales', 'prompt'];

/**
 * Checks an authorization request (SMART App Launch 2.x, RFC 6749 §4.1, RFC 7636). Until the client and its
 * redirect URI are known good, a refusal is shown on a page and never redirected (an open redirector
 * otherwise); after that, refusals go back to the app. `state` and PKCE S256 are required, `aud` must be
 * this server's FHIR base URL, and the redirect URI must be one the client registered, character for character.
 */
export async function checkAuthorizationRequest(params: URLSearchParams, clients: ClientRegistry, urls: AuthUrls): Promise<AuthorizationRequest> {
  for (const name of PARAMETERS) {
    if (params.getAll(name).length > 1) throw new AuthorizeError('invalid_request', `parameter '${name}' is given more than once`);
  }
  const clientId = params.get('client_id');
  if (!clientId) throw new AuthorizeError('invalid_request', 'client_id is required');
  const client = await clients.get(clientId);
  if (!client) throw new AuthorizeError('invalid_client', 'unknown client_id');
  const redirectUri = params.get('redirect_uri');
  if (!redirectUri) throw new AuthorizeError('invalid_request', 'redirect_uri is required');
  if (!client.redirectUris.includes(redirectUri)) throw new AuthorizeError('invalid_request', 'redirect_uri is not registered for this client');

  const state = params.get('state');
  // Without state the app cannot tell this answer from a forged one: nothing is sent back to it.
  if (!state) throw new AuthorizeError('invalid_request', 'state is required');
  const back = { uri: redirectUri, state };
  const refuse = (error: string, description: string) => new AuthorizeError(error, description, back);

  if (params.get('response_type') !== 'code') throw refuse('unsupported_response_type', 'response_type must be code');
  const method = params.get('code_challenge_method');
  const challenge = params.get('code_challenge');
  if (!challenge) throw refuse('invalid_request', 'code_challenge is required (PKCE)');
  if (method !== 'S256') throw refuse('invalid_request', 'code_challenge_method must be S256');
  if (!CHALLENGE.test(challenge)) throw refuse('invalid_request', 'code_challenge must be a base64url SHA-256 (43 characters)');
  const aud = params.get('aud');
  if (!aud) throw refuse('invalid_request', 'aud is required (the FHIR base URL)');
  if (aud.replace(/\/+$/, '') !== urls.fhirBase) throw refuse('invalid_request', `aud must be ${urls.fhirBase}`);

  let scopes: string[];
  try {
    scopes = grantInteractiveScopes(params.get('scope') ?? '', client.allowedScopes);
  } catch (e) {
    if (e instanceof OAuthError) throw refuse(e.error, e.description);
    throw e;
  }
  const launch = params.get('launch') ?? undefined;
  if (launch !== undefined && !scopes.includes('launch')) throw refuse('invalid_scope', 'a launch parameter needs the launch scope');
  if (launch === undefined && scopes.includes('launch')) throw refuse('invalid_request', 'the launch scope needs the launch parameter of an EHR launch');
  const nonce = params.get('nonce') ?? undefined;
  const uiLocales = params.get('ui_locales') ?? undefined;
  return {
    client,
    redirectUri,
    state,
    codeChallenge: challenge,
    scopes,
    ...(nonce ? { nonce: nonce.slice(0, 256) } : {}),
    ...(launch ? { launch } : {}),
    ...(uiLocales ? { uiLocales } : {}),
  };
}

/** The app's redirect URI with the answer's parameters added (`code` and `state`, or `error`...). */
export function redirectWith(uri: string, params: Record<string, string | undefined>): string {
  const url = new URL(uri);
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(name, value);
  return url.toString();
}
