import type { Caller } from '../fhir/rest/caller';
import type { WebRequest } from '../kernel/web-route';

/**
 * The seams between the parts of the authorization server (src/auth/*): each part implements one of these
 * and is composed in auth-server.ts, so that keys and tokens, clients, the authorization-code flow and the
 * sign-in methods are built and tested apart.
 */

/** An OAuth 2 error response (RFC 6749 §5.2, RFC 6750 §3): `error` code, description, HTTP status. */
export class OAuthError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
    readonly status = 400,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(`${error}: ${description}`);
  }
}

export type ClientType = 'public' | 'confidential-symmetric' | 'confidential-asymmetric';

/** An application allowed to ask for tokens (kept in the state store, space `client`). */
export interface RegisteredClient {
  readonly clientId: string;
  readonly name: string;
  readonly type: ClientType;
  /** Exact redirect URIs (compared as strings, never by prefix). */
  readonly redirectUris: readonly string[];
  /** Scopes the client may be granted (a request for more gets the intersection). */
  readonly allowedScopes: readonly string[];
  /** confidential-symmetric: scrypt hash of the secret (`scrypt$N$r$p$salt$hash`). */
  readonly secretHash?: string;
  /** confidential-asymmetric: the client's public keys inline, or where to fetch them. */
  readonly jwks?: { readonly keys: readonly object[] };
  readonly jwksUri?: string;
  /** Whether the EHR user who launched the app may be carried into the token (EHR launch). */
  readonly carriesLaunchUser?: boolean;
  /** Whether the client is an EHR allowed to register launch contexts. */
  readonly canLaunch?: boolean;
}

export interface ClientRegistry {
  get(clientId: string): Promise<RegisteredClient | undefined>;
  list(): Promise<RegisteredClient[]>;
  /** Stores a new client; a secret, when given, is hashed here. 409 (OAuthError invalid_request) if the id is taken. */
  add(client: RegisteredClient, secret?: string): Promise<RegisteredClient>;
  remove(clientId: string): Promise<boolean>;
}

/**
 * Authenticates the client of a token, introspection or revocation request: `client_secret_basic`,
 * `private_key_jwt` (client_assertion, RS384/ES384, jti once, at most 5 minutes, aud = token endpoint) or a
 * public client's `client_id`. Throws OAuthError('invalid_client', …, 401) on failure.
 */
export interface ClientAuthenticator {
  authenticate(request: WebRequest, form: URLSearchParams): Promise<RegisteredClient>;
}

/** What an access token grants: the SMART launch context plus who and what it is for. */
export interface TokenGrant {
  readonly clientId: string;
  readonly scopes: readonly string[];
  /** The signed-in user's subject (stable id at the identity provider), absent for backend services. */
  readonly subject?: string;
  /** SMART fhirUser: `Practitioner/123`, `Patient/456`. */
  readonly fhirUser?: string;
  readonly patient?: string;
  readonly encounter?: string;
  readonly fhirContext?: readonly object[];
  readonly needPatientBanner?: boolean;
  readonly purposeOfUse?: readonly string[];
  /** The EHR client that registered the launch, for the audit. */
  readonly launchedBy?: string;
  /** The refresh-token family the token belongs to (revoking the family revokes its access tokens). */
  readonly family?: string;
}

export interface IssuedToken {
  readonly accessToken: string;
  /** Seconds. */
  readonly expiresIn: number;
  readonly jti: string;
}

/** Signs access tokens and id_tokens with the server's current key (keys and their rotation live in the state store). */
export interface TokenIssuer {
  issueAccessToken(grant: TokenGrant): Promise<IssuedToken>;
  /** An OpenID Connect id_token for `openid fhirUser` requests. */
  issueIdToken(grant: TokenGrant, nonce?: string): Promise<string>;
}

/** Turns the Authorization header of a FHIR request into its Caller; throws a 401 FhirError for a bad token. */
export interface BearerAuthenticator {
  callerOf(authorization: string | undefined): Promise<Caller>;
}

/** Someone who signed in, whatever the method (local account, patient account, upstream OpenID provider). */
export interface AuthenticatedUser {
  /** Stable subject: `local:alice`, `oidc:<iss>#<sub>`. */
  readonly subject: string;
  readonly displayName: string;
  /** The user's FHIR resource, when known: `Practitioner/…` for a professional, `Patient/…` for a patient. */
  readonly fhirUser?: string;
  /** Whether the user administers the server (clients, accounts, audit verification). */
  readonly admin?: boolean;
}

/** Password sign-in for local and patient accounts: lockout and rate limits are its business. */
export interface PasswordSignIn {
  /** The user, or undefined when refused (unknown user, wrong password, locked: indistinguishable to the caller). */
  signIn(username: string, password: string, remoteAddress?: string): Promise<AuthenticatedUser | undefined>;
}

/** Sign-in at an upstream OpenID Connect provider (the national professional identity provider, say). */
export interface UpstreamSignIn {
  /** Where to send the browser to sign in; `state` and `nonce` are the caller's to check on return. */
  authorizationUrl(redirectUri: string, state: string, nonce: string): Promise<string>;
  /** Completes the sign-in from the callback's query: verifies the id_token (issuer JWKS, nonce) and finds the Practitioner. */
  complete(callbackQuery: URLSearchParams, redirectUri: string, nonce: string): Promise<AuthenticatedUser>;
}

/** A successful token response (RFC 6749 §5.1 plus the SMART launch context fields). */
export interface TokenResponse {
  readonly access_token: string;
  readonly token_type: 'Bearer';
  readonly expires_in: number;
  readonly scope: string;
  readonly refresh_token?: string;
  readonly id_token?: string;
  readonly patient?: string;
  readonly encounter?: string;
  readonly fhirContext?: readonly object[];
  readonly need_patient_banner?: boolean;
}

/**
 * One grant type of the token endpoint (`authorization_code`, `refresh_token`, `client_credentials`): given
 * the authenticated client and the form, the token response, or an OAuthError.
 */
export interface GrantHandler {
  readonly grantType: string;
  grant(client: RegisteredClient, form: URLSearchParams, request: WebRequest): Promise<TokenResponse>;
}

/** The claims of an access token this server issued, once its signature, issuer, audience and lifetime are checked. */
export interface VerifiedToken extends TokenGrant {
  readonly jti: string;
  /** Epoch seconds. */
  readonly issuedAt: number;
  readonly expiresAt: number;
}

/**
 * Checks an access token (signature by a known `kid`, ES256 only, `iss`, `aud`, `exp`, not revoked):
 * the token's claims, or undefined for any token that is not good. Introspection and the bearer
 * authentication of FHIR requests both use it.
 */
export interface TokenVerifier {
  verify(token: string): Promise<VerifiedToken | undefined>;
}

/** Revoked access tokens and refresh-token families, in the state store so that every process sees them. */
export interface TokenRevocations {
  /** Revokes one access token until it would have expired anyway (epoch seconds). */
  revokeToken(jti: string, expiresAt: number): Promise<void>;
  /** Revokes a refresh-token family: its refresh tokens and every access token issued from it. */
  revokeFamily(family: string): Promise<void>;
  isRevoked(token: Pick<VerifiedToken, 'jti' | 'family'>): Promise<boolean>;
}

/**
 * An approved authorization request, kept until its code is redeemed at the token endpoint (state space
 * `oauth-code`, keyed by the SHA-256 of the code; 60 seconds).
 */
export interface ApprovedAuthorization {
  readonly clientId: string;
  /** The redirect_uri of the authorization request: the token request must repeat it exactly. */
  readonly redirectUri: string;
  /** The PKCE S256 code_challenge (base64url SHA-256 of the verifier). */
  readonly codeChallenge: string;
  /** What the tokens will carry: the granted scopes (already within the client's), the user, the launch context. */
  readonly grant: Omit<TokenGrant, 'family'>;
  /** OpenID Connect nonce of the request, echoed in the id_token. */
  readonly nonce?: string;
  /** The sign-in session of the approval: an online_access refresh token lives only as long as it. */
  readonly sessionId?: string;
}

/** Issues authorization codes for approved requests (the authorization_code grant redeems them). */
export interface AuthorizationCodes {
  /** Stores the approval and returns its code: opaque, single-use, valid 60 seconds. */
  issue(approval: ApprovedAuthorization): Promise<string>;
}

/** Whether a sign-in session is still live (online_access refresh tokens end with it). */
export type SessionCheck = (sessionId: string) => Promise<boolean>;
