import { OAuthError } from './contracts';
import { PERMISSIONS, parseResourceScope, parseScopes, type NonResourceScope, type ResourceGrant, type ScopeContext } from './scopes';

/**
 * Scopes granted as requested, within what the client is allowed.
 *
 * The scope a backend service is granted: each requested system/ scope intersected with the client's allowed
 * system/ scopes. A wildcard allowance covers each type (`system/*.rs` covers `system/Observation.rs`),
 * permissions are intersected letter by letter, and an allowance's query restriction is kept (narrowing the
 * grant). A requested scope granted whole is echoed as written (v1 `.read` stays `.read`).
 */
export function grantSystemScopes(requested: string, allowed: readonly string[]): string[] {
  const parsed = parseScopes(requested);
  if (parsed.errors.length > 0) throw new OAuthError('invalid_scope', parsed.errors.join('; '), 400);
  const others = [...parsed.other, ...parsed.ignored];
  if (others.length > 0) throw new OAuthError('invalid_scope', `client_credentials grants system/ scopes only, not ${others.join(' ').slice(0, 200)}`, 400);
  const wrongContext = parsed.grants.filter((g) => g.context !== 'system');
  if (wrongContext.length > 0) throw new OAuthError('invalid_scope', `client_credentials grants system/ scopes only, not ${wrongContext.map((g) => g.scope).join(' ').slice(0, 200)}`, 400);
  if (parsed.grants.length === 0) throw new OAuthError('invalid_scope', 'scope is required (system/ scopes)', 400);
  const granted = grantResourceScopes(parsed.grants, allowed);
  if (granted.length === 0) throw new OAuthError('invalid_scope', 'none of the requested scopes is allowed for this client', 400);
  return granted;
}

/**
 * Identity, launch and online scopes any interactive client may be granted; offline_access (a refresh token
 * that outlives the sign-in) only when the client's allowed scopes list it.
 */
const ALWAYS_GRANTABLE: readonly NonResourceScope[] = ['openid', 'fhirUser', 'profile', 'launch', 'launch/patient', 'launch/encounter', 'online_access'];

/**
 * The scope an app is granted at the authorization endpoint: its patient/ and user/ scopes intersected with
 * the client's allowed ones as for backend services, plus the identity and launch scopes; system/ scopes are
 * for backend services only and unknown scopes are left out (SMART lets a server ignore them).
 */
export function grantInteractiveScopes(requested: string, allowed: readonly string[]): string[] {
  const parsed = parseScopes(requested);
  if (parsed.errors.length > 0) throw new OAuthError('invalid_scope', parsed.errors.join('; '), 400);
  const system = parsed.grants.filter((g) => g.context === 'system');
  if (system.length > 0) throw new OAuthError('invalid_scope', `system/ scopes are for backend services, not ${system.map((g) => g.scope).join(' ').slice(0, 200)}`, 400);
  const other = [...parsed.other].filter((s) => ALWAYS_GRANTABLE.includes(s) || allowed.includes(s));
  const resources = grantResourceScopes(parsed.grants, allowed);
  if (resources.length === 0) throw new OAuthError('invalid_scope', 'none of the requested resource scopes is allowed for this client', 400);
  return [...other, ...resources];
}

function grantResourceScopes(wanted: readonly ResourceGrant[], allowed: readonly string[]): string[] {
  const allowances = allowed
    .filter((s) => /^(?:patient|user|system)\//.test(s))
    .map(parseResourceScope)
    .filter((g): g is ResourceGrant => typeof g !== 'string');
  const granted = new Set<string>();
  for (const want of wanted) {
    const sameContext = allowances.filter((a) => a.context === want.context);
    for (const scope of intersect(want, sameContext)) granted.add(scope);
  }
  return [...granted];
}

function intersect(want: ResourceGrant, allowances: readonly ResourceGrant[]): string[] {
  const out: string[] = [];
  for (const allow of allowances) {
    if (allow.type !== '*' && want.type !== '*' && allow.type !== want.type) continue;
    const letters = PERMISSIONS.filter((p) => want.permissions.has(p) && allow.permissions.has(p));
    if (letters.length === 0) continue;
    const restriction = mergeRestrictions(want.restriction, allow.restriction);
    const whole = (allow.type === '*' || allow.type === want.type) && letters.length === want.permissions.size && sameParams(restriction, want.restriction);
    if (whole) return [want.scope];
    const type = want.type === '*' ? allow.type : want.type;
    out.push(`${want.context satisfies ScopeContext}/${type}.${letters.join('')}${restriction && [...restriction].length > 0 ? `?${restriction.toString()}` : ''}`);
  }
  return out;
}

/** Both restrictions at once: a grant restricted by both covers only resources matching every parameter. */
function mergeRestrictions(a: URLSearchParams | undefined, b: URLSearchParams | undefined): URLSearchParams | undefined {
  if (!a && !b) return undefined;
  const merged = new URLSearchParams(a);
  for (const [name, value] of b ?? []) {
    if (!merged.getAll(name).includes(value)) merged.append(name, value);
  }
  return merged;
}

function sameParams(a: URLSearchParams | undefined, b: URLSearchParams | undefined): boolean {
  const list = (p: URLSearchParams | undefined) => [...(p ?? [])].map(([n, v]) => `${n}=${v}`).sort().join('&');
  return list(a) === list(b);
}
