import { methodNotAllowed, notFound } from '../../kernel/errors';
import { confinedStore, type AccessRoute, type Confinement } from './access-policy';
import { auditRefusal, auditRequest, settleAudit, statusOf } from './audit-request';
import type { FhirRequest, FhirResponse } from './fhir-request';
import { interactionOf, operationOf } from './interaction';
import type { RequestContext } from './request-context';
import { registerCoreRoutes } from './core-routes';
import { SeenRecords } from './seen-store';

export type RouteMethod = Exclude<FhirRequest['method'], 'HEAD'>;

/** Values captured from the path by a pattern's `:name` segments (`type`, `id`, `vid`, ...). */
export type RouteParams = Readonly<Record<string, string>>;

/** Serves one route: the request's context (its store is the one to use), the request and the captured values. */
export type RouteHandler = (ctx: RequestContext, request: FhirRequest, params: RouteParams) => Promise<FhirResponse>;

export interface RouteDefinition {
  method: RouteMethod;
  /** See FhirRouter.register. */
  pattern: string;
  handler: RouteHandler;
}

/**
 * The FHIR REST router: transport-neutral dispatch of a FhirRequest by method and path.
 *
 * Registration hook (for patch, $validate, Bundles and later $operations):
 *
 *   router.register(method, pattern, handler)          // or createFhirRouter({ operations: [...] })
 *
 * `pattern` is a path relative to the FHIR base, split on '/', with no leading slash:
 *   - `:type` matches a known R4 resource type (an unknown one answers 404) and captures it as params.type;
 *   - any other `:name` matches one non-empty segment and captures it (`:id`, `:vid`, ...);
 *   - anything else is literal (`_history`, `_search`, `$validate`, `$everything`);
 *   - '' is the base itself (`POST /` for batch/transaction Bundles, `GET /` for system search).
 * Examples: 'PATCH', ':type/:id' (patch) and 'PATCH', ':type' (conditional patch, criteria in the query);
 * 'POST', ':type/$validate'; 'GET', ':type/:id/$validate'; 'POST', ''.
 * A pattern with more literal segments wins over one with captures (`Patient/_history` is history, not read).
 * Registering the same method and pattern twice replaces the handler. HEAD is served by the GET route.
 * A path matched by some pattern under another method answers 405; a path matched by none answers 404.
 *
 * The one door: `handle(ctx, request)` matches the route, asks `ctx.access` (the AccessPolicy) and only
 * then runs the route with `ctx`, whose store is the one to use. `decide` is the first half on its own, for
 * Bundle runners that must know every entry is allowed before they touch the store for it.
 */
export interface FhirRouter {
  register(method: RouteMethod, pattern: string, handler: RouteHandler): void;
  /** Matches the request to its route and asks the access policy: throws 404/405 or the refusal, runs nothing. */
  decide(ctx: RequestContext, request: FhirRequest): AllowedRequest;
  /** decide, then run the route. */
  handle(ctx: RequestContext, request: FhirRequest): Promise<FhirResponse>;
  /** A registered route as the access policy sees it (what the HTTP fast paths decide with). */
  route(method: RouteMethod, pattern: string): AccessRoute | undefined;
  /** Every registered route, for the CapabilityStatement (so it advertises what really exists). */
  routes(): readonly RouteDefinition[];
}

export interface RouterOptions {
  /** Extra routes registered after the core interactions (a same method+pattern overrides a core one). */
  operations?: RouteDefinition[];
  /** Whether to register the core interactions (read, create, search...); default true. */
  core?: boolean;
}

/** A request the access policy allowed, bound to its route. */
export interface AllowedRequest {
  /**
   * Runs the route. `ctx` and `request` are the ones decided on, or what they became since: a transaction
   * entry runs on the transaction view, with its references rewritten.
   */
  run(ctx: RequestContext, request: FhirRequest): Promise<FhirResponse>;
}

interface CompiledRoute extends RouteDefinition {
  interaction: AccessRoute['interaction'];
  operation?: string;
  segments: string[];
  literals: number;
}

class Allowed implements AllowedRequest {
  constructor(
    private readonly route: CompiledRoute,
    private readonly params: RouteParams,
    private readonly confinement: Confinement | void,
  ) {}

  /** Runs the route on the store as the decision confined it, and records the access for the audit. */
  async run(ctx: RequestContext, request: FhirRequest): Promise<FhirResponse> {
    const seen = new SeenRecords();
    const runCtx: RequestContext = { ...ctx, store: seen.wrap(confinedStore(ctx.store, this.confinement)) };
    try {
      const response = await this.route.handler(runCtx, request, this.params);
      auditRequest(runCtx, this.route, this.params, request, response.status, seen.records);
      return response;
    } catch (e) {
      auditRequest(runCtx, this.route, this.params, request, statusOf(e), seen.records, e);
      throw e;
    }
  }
}

/** Known resource types are checked against the context's definitions at dispatch time. */
export function createRouterTable(): FhirRouter {
  const table: CompiledRoute[] = [];

  const register = (method: RouteMethod, pattern: string, handler: RouteHandler) => {
    const segments = pattern === '' ? [] : pattern.split('/');
    const literals = segments.filter((s) => !s.startsWith(':')).length;
    const existing = table.findIndex((r) => r.method === method && r.pattern === pattern);
    const operation = operationOf(pattern);
    const route: CompiledRoute = { method, pattern, handler, interaction: interactionOf(method, pattern), ...(operation ? { operation } : {}), segments, literals };
    if (existing >= 0) table[existing] = route;
    else table.push(route);
    table.sort((a, b) => b.literals - a.literals);
  };

  const match = (ctx: RequestContext, route: CompiledRoute, parts: string[]): Record<string, string> | undefined => {
    if (route.segments.length !== parts.length) return undefined;
    const params: Record<string, string> = {};
    for (let i = 0; i < parts.length; i++) {
      const seg = route.segments[i];
      const part = parts[i];
      if (seg.startsWith(':')) {
        if (part === '' || part.startsWith('$') || (seg === ':type' && !/^[A-Z][A-Za-z]+$/.test(part))) return undefined;
        if (seg !== ':type' && part.startsWith('_')) return undefined;
        params[seg.slice(1)] = part;
      } else if (seg !== part) return undefined;
    }
    if (params.type !== undefined && !ctx.definitions.isResourceType(params.type)) {
      throw notFound(`Unknown resource type '${params.type}'`);
    }
    return params;
  };

  const decide = (ctx: RequestContext, request: FhirRequest): AllowedRequest => {
    const path = request.path.replace(/^\/+|\/+$/g, '');
    const parts = path === '' ? [] : path.split('/').map(safeDecode);
    const method: RouteMethod = request.method === 'HEAD' ? 'GET' : request.method;
    let pathKnown = false;
    for (const route of table) {
      const params = match(ctx, route, parts);
      if (!params) continue;
      if (route.method !== method) {
        pathKnown = true;
        continue;
      }
      try {
        return new Allowed(route, params, ctx.access.authorize(ctx, route, params));
      } catch (e) {
        auditRefusal(ctx, route, params, request, e);
        throw e;
      }
    }
    const refusal = pathKnown ? methodNotAllowed(`${request.method} is not supported on '${path}'`) : notFound(`No route for ${request.method} '${path}'`);
    auditRefusal(ctx, undefined, {}, request, refusal);
    throw refusal;
  };

  return {
    register,
    routes: () => table.map(({ method, pattern, handler }) => ({ method, pattern, handler })),
    route: (method, pattern) => table.find((r) => r.method === method && r.pattern === pattern),
    decide,
    async handle(ctx, request) {
      try {
        return await decide(ctx, request).run(ctx, request);
      } finally {
        // The answer leaves only once the audit of this request (and of its Bundle entries) is durable.
        if (ctx.depth === 0) await settleAudit(ctx);
      }
    },
  };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The router with every core REST interaction registered, then `options.operations`. */
export function createFhirRouter(options: RouterOptions = {}): FhirRouter {
  const router = createRouterTable();
  if (options.core !== false) registerCoreRoutes(router);
  for (const op of options.operations ?? []) router.register(op.method, op.pattern, op.handler);
  return router;
}
