import type { Clock } from '../../kernel/clock';
import { UpstreamSignInError } from './upstream-error';

/** The parts of an OpenID provider's discovery document this relying party uses. */
export interface ProviderMetadata {
  readonly issuer: string;
  readonly authorization_endpoint: string;
  readonly token_endpoint: string;
  readonly jwks_uri: string;
  readonly userinfo_endpoint?: string;
}

/** How long a discovery document is reused before it is fetched again. */
const CACHE_MS = 60 * 60_000;

/**
 * The provider's discovery document (`<issuer>/.well-known/openid-configuration`), fetched once and cached
 * for an hour; a failed fetch is not cached. Its `issuer` must be the configured issuer exactly (OpenID
 * Connect Discovery §4.3), or a look-alike provider could hand out its own keys.
 */
export function providerMetadata(issuer: string, clock: Clock, fetchFn: typeof fetch): () => Promise<ProviderMetadata> {
  let cached: { metadata: Promise<ProviderMetadata>; until: number } | undefined;
  return () => {
    const now = clock.now().getTime();
    if (!cached || cached.until <= now) {
      const metadata = discover(issuer, fetchFn);
      cached = { metadata, until: now + CACHE_MS };
      metadata.catch(() => {
        if (cached?.metadata === metadata) cached = undefined;
      });
    }
    return cached.metadata;
  };
}

async function discover(issuer: string, fetchFn: typeof fetch): Promise<ProviderMetadata> {
  const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  let body: unknown;
  try {
    const res = await fetchFn(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    body = await res.json();
  } catch {
    throw new UpstreamSignInError('The identity provider cannot be reached; try again later.', 'discovery-failed');
  }
  const m = body as Partial<Record<keyof ProviderMetadata, unknown>>;
  const urls = ['authorization_endpoint', 'token_endpoint', 'jwks_uri'] as const;
  if (typeof m !== 'object' || m === null || urls.some((k) => typeof m[k] !== 'string')) {
    throw new UpstreamSignInError('The identity provider\'s configuration is incomplete.', 'discovery-invalid');
  }
  if (m.issuer !== issuer) {
    throw new UpstreamSignInError('The identity provider does not identify itself as the configured issuer.', 'issuer-mismatch');
  }
  return {
    issuer,
    authorization_endpoint: m.authorization_endpoint as string,
    token_endpoint: m.token_endpoint as string,
    jwks_uri: m.jwks_uri as string,
    ...(typeof m.userinfo_endpoint === 'string' ? { userinfo_endpoint: m.userinfo_endpoint } : {}),
  };
}
