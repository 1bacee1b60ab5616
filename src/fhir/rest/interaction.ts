import type { RouteMethod } from './router';

/**
 * The interaction a route performs, in the codes of R4's restful-interaction value set (what SMART scopes
 * and audit records are about), plus `bundle` for `POST [base]`: a batch or transaction, which one is read
 * from the body after the decision, and whose entries are each decided on their own.
 */
export type Interaction =
  | 'read'
  | 'vread'
  | 'update'
  | 'patch'
  | 'delete'
  | 'history-instance'
  | 'history-type'
  | 'history-system'
  | 'create'
  | 'search-type'
  | 'search-system'
  | 'capabilities'
  | 'operation'
  | 'bundle';

/** The interaction of a route, from its method and pattern (see FhirRouter.register for patterns). */
export function interactionOf(method: RouteMethod, pattern: string): Interaction {
  const segments = pattern === '' ? [] : pattern.split('/');
  if (segments.some((s) => s.startsWith('$'))) return 'operation';
  const last = segments[segments.length - 1];
  switch (method) {
    case 'POST':
      if (segments.length === 0) return 'bundle';
      if (last === '_search') return segments.length === 1 ? 'search-system' : 'search-type';
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return 'delete';
    case 'GET':
      if (segments.length === 0) return 'search-system';
      if (pattern === 'metadata') return 'capabilities';
      if (last === '_history') return segments.length === 1 ? 'history-system' : segments.length === 2 ? 'history-type' : 'history-instance';
      if (segments[segments.length - 2] === '_history') return 'vread';
      // `:type/:id` reads; `:type` and `:type/:id/:target` (a compartment) search a type.
      return segments.length === 2 ? 'read' : 'search-type';
  }
}

/** The `$name` of an operation route's pattern, else undefined. */
export function operationOf(pattern: string): string | undefined {
  return pattern.split('/').find((s) => s.startsWith('$'));
}
