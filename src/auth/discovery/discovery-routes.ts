import type { WebRoute } from '../../kernel/web-route';
import type { AuthUrls } from '../auth-urls';
import type { SigningKeys } from '../keys/signing-keys';
import { AUTH_PATHS, openidConfiguration, smartConfiguration, smartConfigurationPath } from './smart-configuration';

/**
 * Documents change only with a deployment; the JWKS changes at each key rotation and a new key signs at once,
 * so verifiers may cache it only briefly (and should re-fetch on an unknown `kid`).
 */
export const DISCOVERY_CACHE_CONTROL = 'public, max-age=3600';
export const JWKS_CACHE_CONTROL = 'public, max-age=300';

const json = (body: object, cacheControl: string) => ({
  status: 200,
  headers: { 'Content-Type': 'application/json', 'Cache-Control': cacheControl },
  body,
});

/** SMART configuration, OpenID configuration and JWKS (always JSON, whatever the Accept header). */
export function discoveryRoutes(urls: AuthUrls, keys: SigningKeys): WebRoute[] {
  const smart = smartConfiguration(urls);
  const openid = openidConfiguration(urls);
  return [
    { method: 'GET', path: smartConfigurationPath(urls), handle: async () => json(smart, DISCOVERY_CACHE_CONTROL) },
    { method: 'GET', path: AUTH_PATHS.openidConfiguration, handle: async () => json(openid, DISCOVERY_CACHE_CONTROL) },
    { method: 'GET', path: AUTH_PATHS.jwks, handle: async () => json(await keys.jwks(), JWKS_CACHE_CONTROL) },
  ];
}
