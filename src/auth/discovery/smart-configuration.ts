import type { AuthUrls } from '../auth-urls';

/** The authorization server's endpoints, server-root-relative (WebRoute paths). */
export const AUTH_PATHS = {
  authorize: '/auth/authorize',
  token: '/auth/token',
  introspect: '/auth/introspect',
  revoke: '/auth/revoke',
  manage: '/auth/manage',
  jwks: '/auth/jwks',
  openidConfiguration: '/auth/.well-known/openid-configuration',
} as const;

/** What the server really does (standards.md §6.1); nothing here may be advertised without being true. */
export const SMART_CAPABILITIES = [
  'launch-ehr',
  'launch-standalone',
  'client-public',
  'client-confidential-symmetric',
  'client-confidential-asymmetric',
  'context-ehr-patient',
  'context-standalone-patient',
  'sso-openid-connect',
  'permission-offline',
  'permission-online',
  'permission-patient',
  'permission-user',
  'permission-v1',
  'permission-v2',
  'authorize-post',
] as const;

/**
 * Scopes listed for discovery: the identity, launch and refresh scopes, and wildcard resource scopes in
 * v2 and v1 syntax (any resource type and granular `?param=` restriction is accepted as well).
 */
export const SCOPES_SUPPORTED = [
  'openid',
  'fhirUser',
  'launch',
  'launch/patient',
  'offline_access',
  'online_access',
  'patient/*.rs',
  'patient/*.cruds',
  'user/*.rs',
  'user/*.cruds',
  'system/*.rs',
  'system/*.cruds',
  'patient/*.read',
  'patient/*.write',
  'patient/*.*',
  'user/*.read',
  'user/*.write',
  'user/*.*',
  'system/*.read',
] as const;

/** The path of `[base]/.well-known/smart-configuration` from the server root (`/fhir/.well-known/…`). */
export function smartConfigurationPath(urls: AuthUrls): string {
  const root = urls.url('');
  const basePath = urls.fhirBase.startsWith(root) ? urls.fhirBase.slice(root.length) : new URL(urls.fhirBase).pathname;
  return `${basePath.replace(/\/+$/, '')}/.well-known/smart-configuration`;
}

/** The SMART App Launch 2.x configuration document (no dynamic registration is offered). */
export function smartConfiguration(urls: AuthUrls): Record<string, unknown> {
  return {
    issuer: urls.issuer,
    jwks_uri: urls.url(AUTH_PATHS.jwks),
    authorization_endpoint: urls.url(AUTH_PATHS.authorize),
    token_endpoint: urls.url(AUTH_PATHS.token),
    introspection_endpoint: urls.url(AUTH_PATHS.introspect),
    revocation_endpoint: urls.url(AUTH_PATHS.revoke),
    management_endpoint: urls.url(AUTH_PATHS.manage),
    grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'],
    code_challenge_methods_supported: ['S256'],
    response_types_supported: ['code'],
    scopes_supported: [...SCOPES_SUPPORTED],
    capabilities: [...SMART_CAPABILITIES],
  };
}

/** The OpenID Connect discovery document at `{issuer}/.well-known/openid-configuration`. */
export function openidConfiguration(urls: AuthUrls): Record<string, unknown> {
  return {
    issuer: urls.issuer,
    jwks_uri: urls.url(AUTH_PATHS.jwks),
    authorization_endpoint: urls.url(AUTH_PATHS.authorize),
    token_endpoint: urls.url(AUTH_PATHS.token),
    id_token_signing_alg_values_supported: ['ES256'],
    subject_types_supported: ['public'],
    response_types_supported: ['code'],
    scopes_supported: ['openid', 'fhirUser'],
    claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'nonce', 'fhirUser'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'private_key_jwt'],
  };
}
