/**
 * SMART on FHIR scopes (App Launch 2.x; standards.md §6.4, §6.7), parsed from the space-separated string
 * a token grants into structured grants. Parsing never throws: a scope that claims to be a resource scope
 * (`patient/`, `user/`, `system/`) but is malformed is reported in `errors`; any other scope Lucarne does not
 * know is listed in `ignored`, as SMART lets a server ignore what it does not understand.
 */

export type ScopeContext = 'patient' | 'user' | 'system';

/** A v2 permission letter: create, read, update, delete, search. */
export type Permission = 'c' | 'r' | 'u' | 'd' | 's';

export const PERMISSIONS: readonly Permission[] = ['c', 'r', 'u', 'd', 's'];

/** One resource scope: who it is for, which type (or every type), what it permits, and its query restriction. */
export interface ResourceGrant {
  /** The scope as written in the token. */
  readonly scope: string;
  readonly context: ScopeContext;
  /** A resource type, or `*` for every type (future ones included). */
  readonly type: string;
  readonly permissions: ReadonlySet<Permission>;
  /**
   * v2 granular restriction (`?category=…&code=…`): the grant covers only resources matching every
   * parameter. Undefined when the scope has none.
   */
  readonly restriction?: URLSearchParams;
}

/** The scopes that grant no resource access but ask for identity, launch context or refresh tokens. */
export const NON_RESOURCE_SCOPES = ['openid', 'fhirUser', 'profile', 'launch', 'launch/patient', 'launch/encounter', 'offline_access', 'online_access'] as const;

export type NonResourceScope = (typeof NON_RESOURCE_SCOPES)[number];

export interface ParsedScopes {
  readonly grants: readonly ResourceGrant[];
  readonly other: ReadonlySet<NonResourceScope>;
  /** Unknown scopes, left out (SMART: a server may ignore them). */
  readonly ignored: readonly string[];
  /** One message per malformed resource scope; that scope grants nothing. */
  readonly errors: readonly string[];
}

const V1: Readonly<Record<string, readonly Permission[]>> = { read: ['r', 's'], write: ['c', 'u', 'd'], '*': PERMISSIONS };

/** v2 letters: a non-empty subset of `cruds`, in that order, each at most once. */
const V2_LETTERS = /^c?r?u?d?s?$/;

const RESOURCE_SCOPE = /^(patient|user|system)\/([^.?]*)\.([^?]*)(?:\?(.*))?$/;

const TYPE = /^(?:\*|[A-Z][A-Za-z]{0,63})$/;

/** Parses a token's `scope` value (space-separated; repeated spaces are fine). */
export function parseScopes(value: string | readonly string[]): ParsedScopes {
  const scopes = typeof value === 'string' ? value.split(/\s+/) : value;
  const grants: ResourceGrant[] = [];
  const other = new Set<NonResourceScope>();
  const ignored: string[] = [];
  const errors: string[] = [];
  for (const scope of scopes) {
    if (scope === '') continue;
    if ((NON_RESOURCE_SCOPES as readonly string[]).includes(scope)) {
      other.add(scope as NonResourceScope);
      continue;
    }
    if (!/^(?:patient|user|system)\//.test(scope)) {
      ignored.push(scope);
      continue;
    }
    const grant = parseResourceScope(scope);
    if (typeof grant === 'string') errors.push(grant);
    else grants.push(grant);
  }
  return { grants, other, ignored, errors };
}

/** One resource scope, or the message saying why it is malformed. */
export function parseResourceScope(scope: string): ResourceGrant | string {
  const shown = scope.length > 120 ? `${scope.slice(0, 120)}…` : scope;
  const m = RESOURCE_SCOPE.exec(scope);
  if (!m) return `Scope '${shown}' is not <patient|user|system>/<Type|*>.<permissions>`;
  const [, context, type, letters, query] = m;
  if (!TYPE.test(type)) return `Scope '${shown}' names no resource type ('${type.slice(0, 64)}' is neither a type nor *)`;
  let permissions: readonly Permission[];
  const v1 = V1[letters];
  if (v1) {
    if (query !== undefined) return `Scope '${shown}': query restrictions need v2 permissions (cruds), not '.${letters}'`;
    permissions = v1;
  } else if (letters !== '' && V2_LETTERS.test(letters)) {
    permissions = [...letters] as Permission[];
  } else {
    return `Scope '${shown}': permissions must be letters of 'cruds' in that order, each once (or v1 read, write, *), not '${letters.slice(0, 20)}'`;
  }
  const grant: ResourceGrant = { scope, context: context as ScopeContext, type, permissions: new Set(permissions) };
  if (query === undefined) return grant;
  const restriction = parseRestriction(query);
  if (typeof restriction === 'string') return `Scope '${shown}': ${restriction}`;
  return { ...grant, restriction };
}

function parseRestriction(query: string): URLSearchParams | string {
  if (query === '') return 'an empty query restriction after ?';
  let params: URLSearchParams;
  try {
    // URLSearchParams does not throw on bad percent-escapes; decodeURIComponent tells them.
    for (const part of query.split('&')) decodeURIComponent(part.replace(/\+/g, ' '));
    params = new URLSearchParams(query);
  } catch {
    return 'the query restriction is not valid percent-encoding';
  }
  for (const part of query.split('&')) {
    const eq = part.indexOf('=');
    if (eq <= 0 || eq === part.length - 1) return `query restriction '${part.slice(0, 60)}' is not name=value`;
    if (!/^[A-Za-z][A-Za-z0-9_.:-]*$/.test(part.slice(0, eq))) return `query restriction '${part.slice(0, 60)}' does not name a search parameter`;
  }
  return params;
}

/**
 * Whether a search's query carries a grant's restriction: every restricted parameter is in the query with
 * exactly the restricted value (as the one value of one occurrence, so the query cannot widen it with a
 * comma-separated OR). For the data-dependent check; the route-level decision does not see the query.
 */
export function queryCarries(restriction: URLSearchParams, query: URLSearchParams): boolean {
  for (const [name, value] of restriction) {
    if (!query.getAll(name).some((v) => v === value)) return false;
  }
  return true;
}
