import type { AccessPolicy, AccessRoute } from '../fhir/rest/access-policy';
import type { Caller } from '../fhir/rest/caller';
import type { RequestContext } from '../fhir/rest/request-context';
import type { RouteParams } from '../fhir/rest/router';
import { FhirError, issue } from '../kernel/errors';
import { parseScopes, type ParsedScopes, type Permission, type ResourceGrant, type ScopeContext } from './scopes';

/**
 * The SMART scope decision (standards.md §6.4): whether the caller's granted scopes cover the route's
 * interaction on its resource type. It decides from the route alone, before any data is read; what depends
 * on the data (the patient compartment, granular restrictions, the care-relationship policy, consent) is the
 * later, data-dependent check's, and each place that needs it says so below.
 *
 * The access decision (src/access/access-decision.ts) asks it first, then confines by the covering context.
 *
 * The rules:
 * - `metadata` (capabilities) is always allowed, with or without scopes.
 * - Any other request without scopes answers 401 (`login`); a caller whose scopes do not cover the
 *   request answers 403 (`forbidden`) naming the scopes that would.
 * - Letters: read, vread and instance history need `r`; type search (compartment searches are searches of
 *   their target type) and type history need `s`; create `c`; update and patch `u`; delete `d`. The
 *   conditional forms of update, patch and delete (`PUT|PATCH|DELETE [type]?criteria`) also need `s`, since
 *   their search tells whether matching resources exist. (A conditional create's If-None-Exist header is not
 *   seen by the route decision: the later check must ask for `s` there.)
 * - System search and system history span every type: they need a `*` grant with `s`. (A `_type`-limited
 *   system search could be allowed by the listed types' grants once the decision sees the query.)
 * - All the letters a request needs must come from grants of one context (patient, user or system), so that
 *   the compartment or policy of that context confines the whole request.
 * - `patient/` grants count only when the caller has a patient in context; the patient-compartment
 *   confinement itself is data-dependent: the access decision does it (src/access/confined-store.ts).
 * - A query-restricted grant (`patient/Observation.rs?category=…`) never covers a request here: this decision
 *   sees neither the query nor the resource, so it cannot intersect them; refusing is the safe side. The
 *   data-dependent check will let it cover a search whose query carries the same restriction
 *   (scopes.ts queryCarries) and a read whose resource matches it.
 * - `POST [base]` (batch, transaction) needs scopes but nothing more: the router decides each entry on its
 *   own, with this same policy (a transaction decides all of them before it writes anything).
 * - Operations, by name (OPERATION_RULES); an operation with no rule is refused until it gets one.
 */
export class ScopePolicy implements AccessPolicy {
  readonly open = false;
  /** Parsed scopes per caller's scope list (a token's caller is reused for each of its requests). */
  private readonly parsed = new WeakMap<readonly string[], ParsedScopes>();

  authorize(ctx: RequestContext, route: AccessRoute, params: RouteParams): void {
    this.coveringContext(ctx, route, params);
  }

  /**
   * Decides as authorize does, and tells which context's grants cover the request (undefined when it needs
   * no grant): `patient` means the request must be confined to the patient's compartment, `user` to the
   * user's access policy; `system` grants are the client's as given.
   */
  coveringContext(ctx: RequestContext, route: AccessRoute, params: RouteParams): ScopeContext | undefined {
    const need = needOf(route, params);
    if (need === 'anyone') return undefined;
    const caller = ctx.caller;
    if (caller.scopes.length === 0) throw unauthenticated();
    if (need === 'signed-in') return undefined;
    if ('refused' in need) throw forbidden(need.refused);
    const covered = coverage(this.scopesOf(caller).grants, caller, need);
    if (typeof covered === 'object') throw forbidden(`${describe(route, need)} needs ${covered.missing}`);
    return covered;
  }

  private scopesOf(caller: Caller): ParsedScopes {
    let parsed = this.parsed.get(caller.scopes);
    if (!parsed) {
      parsed = parseScopes(caller.scopes);
      this.parsed.set(caller.scopes, parsed);
    }
    return parsed;
  }
}

/** What a request needs: scopes of one of `contexts` granting every one of `letters` on `type` (or `*`). */
export interface ScopeNeed {
  readonly type: string;
  readonly letters: readonly Permission[];
  readonly contexts: readonly ScopeContext[];
}

type Need = ScopeNeed | 'anyone' | 'signed-in' | { readonly refused: string };

const ALL_CONTEXTS: readonly ScopeContext[] = ['patient', 'user', 'system'];

const need = (type: string, letters: string, contexts: readonly ScopeContext[] = ALL_CONTEXTS): ScopeNeed => ({ type, letters: [...letters] as Permission[], contexts });

/**
 * What each known operation needs, by name; `instance` tells `[type]/[id]/$op` from `[type]/$op`.
 * The imaging operations return other types than the Patient they start from (ImagingStudy,
 * DiagnosticReport, Observation, DocumentReference...): the data-dependent check must drop from their
 * answer every resource no grant covers with `s` (or `r`) on its type, and, for a patient/ grant, refuse a
 * Patient other than the one in context (or linked to it).
 */
const OPERATION_RULES: Readonly<Record<string, (type: string | undefined, instance: boolean) => Need>> = {
  // Validating a posted resource reads no stored data; the instance form reads the resource it validates.
  $validate: (type, instance) => (instance && type ? need(type, 'r') : 'signed-in'),
  // Terminology answers from the conformance resources (ValueSet, CodeSystem), not from patient data.
  $expand: () => 'signed-in',
  '$validate-code': () => 'signed-in',
  $lookup: () => 'signed-in',
  $subsumes: () => 'signed-in',
  // One patient's record: reading that Patient. The type-level form first finds the Patient by identifier,
  // a search.
  $everything: () => need('Patient', 'r'),
  '$imaging-record': (_type, instance) => need('Patient', instance ? 'r' : 'rs'),
  '$dose-summary': () => need('Patient', 'r'),
  // Statistics over every patient's dose Observations: not a patient's data, so no patient/ grant.
  '$dose-statistics': () => need('Observation', 's', ['user', 'system']),
  '$verify-chain': () => need('AuditEvent', 'rs', ['user', 'system']),
};

/** What a route needs, from its interaction, operation and resource type. */
export function needOf(route: AccessRoute, params: RouteParams): Need {
  const type = resourceTypeOf(route, params);
  const conditional = params.id === undefined;
  switch (route.interaction) {
    case 'capabilities':
      return 'anyone';
    case 'bundle':
      return 'signed-in';
    case 'search-system':
    case 'history-system':
      return need('*', 's');
    case 'operation': {
      const name = route.operation ?? '';
      const rule = Object.hasOwn(OPERATION_RULES, name) ? OPERATION_RULES[name] : undefined;
      if (!rule) return { refused: `No scope rule covers operation ${name.slice(0, 64)} yet` };
      return rule(type, params.id !== undefined);
    }
  }
  if (!type) return { refused: `No resource type in route '${route.pattern}'` };
  switch (route.interaction) {
    case 'read':
    case 'vread':
    case 'history-instance':
      return need(type, 'r');
    case 'search-type':
    case 'history-type':
      return need(type, 's');
    case 'create':
      return need(type, 'c');
    case 'update':
    case 'patch':
      return need(type, conditional ? 'us' : 'u');
    case 'delete':
      return need(type, conditional ? 'ds' : 'd');
  }
}

/** The type a route acts on: a compartment search's target, the `:type`, or an operation's literal type. */
function resourceTypeOf(route: AccessRoute, params: RouteParams): string | undefined {
  if (params.target !== undefined) return params.target;
  if (params.type !== undefined) return params.type;
  const first = route.pattern.split('/')[0];
  return /^[A-Z][A-Za-z]+$/.test(first) ? first : undefined;
}

/**
 * The context whose usable grants cover every letter (system first, then user, then patient: the least
 * confined one wins), or the scopes that would cover the request, as a message.
 */
function coverage(grants: readonly ResourceGrant[], caller: Caller, need: ScopeNeed): ScopeContext | { missing: string } {
  const covers = (g: ResourceGrant, letter: Permission) => (g.type === need.type || g.type === '*') && g.permissions.has(letter);
  const coveringIn = (usable: (g: ResourceGrant) => boolean) =>
    COVERAGE_ORDER.find((context) => need.contexts.includes(context) && need.letters.every((letter) => grants.some((g) => g.context === context && usable(g) && covers(g, letter))));
  const covering = coveringIn((g) => g.restriction === undefined && (g.context !== 'patient' || caller.patient !== undefined));
  if (covering) return covering;
  const letters = need.letters.join('');
  let message = need.contexts.map((c) => `${c}/${need.type}.${letters}`).join(' or ');
  if (need.type !== '*') message += ' (or the same on *)';
  if (coveringIn((g) => g.restriction === undefined)) message += '; patient/ scopes need a patient in context';
  else if (coveringIn(() => true)) message += '; scopes with a query restriction do not cover it yet';
  return { missing: message };
}

const COVERAGE_ORDER: readonly ScopeContext[] = ['system', 'user', 'patient'];

function describe(route: AccessRoute, need: ScopeNeed): string {
  const what = route.interaction === 'operation' ? `Operation ${route.operation}` : `Interaction ${route.interaction}`;
  return need.type === '*' ? `${what} (every type)` : `${what} on ${need.type}`;
}

function unauthenticated(): FhirError {
  return new FhirError(401, [issue('login', 'This request needs an access token granting SMART scopes')], { 'WWW-Authenticate': 'Bearer' });
}

function forbidden(message: string): FhirError {
  return new FhirError(403, [issue('forbidden', message)], { 'WWW-Authenticate': 'Bearer error="insufficient_scope"' });
}
