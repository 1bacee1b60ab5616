import type { OperationDefinition, OperationDefinitionParameter, Resource } from '@medplum/fhirtypes';
import type { RouteHandler } from '../rest/router';
import { checkDeclaredParameters } from './operation-input-check';
import { assertParametersShape } from './parameters-shape';

export interface OperationRouteOptions {
  /**
   * The body may be the resource the operation is about instead of a Parameters ($validate): a body whose
   * resourceType is not Parameters (or any body when the URL type is Parameters) is then passed on as is.
   */
  resourceBody?: boolean;
  /** `in` parameters the handler accepts beyond the OperationDefinition's (names clients commonly send). */
  extraParameters?: OperationDefinitionParameter[];
}

/**
 * Wraps an operation handler so that its input is checked before it runs: a body must be a well-formed
 * Parameters resource, and its parameters (with the query's) must match the `in` parameters of the
 * operation's OperationDefinition (found by canonical URL among the loaded definitions; when none is loaded,
 * only the structure is checked). Every failure is a 400 OperationOutcome, never an error inside the handler.
 */
export function operationRoute(definitionUrl: string, handler: RouteHandler, options: OperationRouteOptions = {}): RouteHandler {
  const operation = `$${definitionUrl.slice(definitionUrl.lastIndexOf('/') + 1).replace(/^[A-Z][A-Za-z]*-/, '')}`;
  return (ctx, request, params) => {
    const body = request.body as Resource | undefined;
    if (options.resourceBody && typeof body === 'object' && body !== null && !Array.isArray(body)) {
      if (body.resourceType !== 'Parameters' || params.type === 'Parameters') return handler(ctx, request, params);
    }
    const parameters = body === undefined ? undefined : assertParametersShape(body, operation);
    const definition = ctx.definitions.canonical<OperationDefinition>(definitionUrl);
    if (definition?.resourceType === 'OperationDefinition') {
      checkDeclaredParameters(parameters, request.query, {
        operation,
        parameters: [...(definition.parameter ?? []), ...(options.extraParameters ?? [])],
        isResourceType: (type) => ctx.definitions.isResourceType(type),
      });
    }
    return handler(ctx, request, params);
  };
}
