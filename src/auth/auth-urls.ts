import type { LucarneConfig } from '../config/config';

/**
 * The public URLs of the authorization server. The FHIR API lives at the base URL (`…/fhir`); the
 * authorization server's endpoints sit beside it (`…/auth/token`), so a deployment behind a path prefix
 * (`https://region.example/lucarne/fhir`) keeps both under that prefix. WebRoute paths are the
 * server-root-relative forms (`/auth/token`).
 */
export interface AuthUrls {
  /** The `iss` of the tokens and id_tokens: `…/auth`. */
  readonly issuer: string;
  /** The FHIR base URL: the only accepted `aud`. */
  readonly fhirBase: string;
  /** Public URL of a server-root-relative path (`/auth/token` → `https://…/auth/token`). */
  url(path: string): string;
}

export function authUrls(config: Pick<LucarneConfig, 'baseUrl'>): AuthUrls {
  const fhirBase = config.baseUrl.replace(/\/+$/, '');
  const root = fhirBase.replace(/\/fhir$/, '');
  const url = (path: string) => `${root}${path}`;
  return { issuer: url('/auth'), fhirBase, url };
}
