import type { FhirStore } from '../../store/store';
import { methodNotAllowed, notFound } from '../../kernel/errors';
import type { FhirRequest, FhirResponse } from './fhir-request';
import type { ServerContext } from './server-context';
import { registerCoreRoutes } from './core-routes';

export type RouteMethod = Exclude<FhirRequest['method'], 'HEAD'>;

/** Values captured from the path by a pattern's `:name` segments (`type`, `id`, `vid`, ...). */
export type RouteParams = Readonly<Record<string, string>>;

/** A FhirHandler that also receives the captured path parameters. */
export type RouteHandler = (
  ctx: ServerContext,
  request: FhirRequest,
  store: FhirStore,
  params: RouteParams,
) => Promise<FhirResponse>;

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
 * `handle(ctx, request, store?)` runs the route with `store` (default ctx.store); the Bundle processor
 * passes its transaction view there.
 */
export interface FhirRouter {
  register(method: RouteMethod, pattern: string, handler: RouteHandler): void;
  handle(ctx: ServerContext, request: FhirRequest, store?: FhirStore): Promise<FhirResponse>;
  /** Every registered route, for the CapabilityStatement (so it advertises what really exists). */
  routes(): readonly RouteDefinition[];
}

export interface RouterOptions {
  /** Extra routes registered after the core interactions (a same method+pattern overrides a core one). */
  operations?: RouteDefinition[];
  /** Whether to register the core interactions (read, create, search...); default true. */
  core?: boolean;
}

interface CompiledRoute extends RouteDefinition {
  segments: string[];
  literals: number;
}

/** Known resource types are checked against the context's definitions at dispatch time. */
export function createRouterTable(): FhirRouter {
  const table: CompiledRoute[] = [];

  const register = (method: RouteMethod, pattern: string, handler: RouteHandler) => {
    const segments = pattern === '' ? [] : pattern.split('/');
    const literals = segments.filter((s) => !s.startsWith(':')).length;
    const existing = table.findIndex((r) => r.method === method && r.pattern === pattern);
    const route = { method, pattern, handler, segments, literals };
    if (existing >= 0) table[existing] = route;
    else table.push(route);
    table.sort((a, b) => b.literals - a.literals);
  };

  const match = (ctx: ServerContext, route: CompiledRoute, parts: string[]): Record<string, string> | undefined => {
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

  return {
    register,
    routes: () => table.map(({ method, pattern, handler }) => ({ method, pattern, handler })),
    async handle(ctx, request, store = ctx.store) {
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
        return route.handler(ctx, request, store, params);
      }
      if (pathKnown) throw methodNotAllowed(`${request.method} is not supported on '${path}'`);
      throw notFound(`No route for ${request.method} '${path}'`);
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
