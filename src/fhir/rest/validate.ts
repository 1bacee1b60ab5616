import type { OperationOutcomeIssue, Parameters, Resource } from '@medplum/fhirtypes';
import { FhirError, badRequest, issue, operationOutcome } from '../../kernel/errors';
import { ID_PATTERN } from '../model/meta';
import { operationRoute } from '../operations/operation-route';
import { duplicateContainedId } from './contained-ids';
import type { FhirRequest, FhirResponse } from './fhir-request';
import type { RouteDefinition, RouteHandler, RouteParams } from './router';
import type { ServerContext } from './server-context';

/**
 * `$validate` (R4 operation-resource-validate): POST [type]/$validate, POST|GET [type]/[id]/$validate.
 *
 * Status codes follow the operation's text: "This operation returns a 200 OK whether or not the resource is
 * valid. A 4xx or 5xx error means that the validation itself could not be performed". So an invalid resource
 * answers 200 with its error issues; a request we cannot act on (no resource, bad mode, mode update/delete
 * without an instance id, a profile URL this server does not know) answers 400 naming it. A valid resource
 * answers one information issue "All OK" (plus any warnings). Mode delete: R4 delete does not enforce referential integrity here, so a
 * current resource can always be deleted ("All OK"); one that does not exist (or is already deleted) is
 * reported as an error issue `not-found`, still with 200, since the check itself ran.
 */

type Mode = 'create' | 'update' | 'delete' | undefined;
const MODES = new Set(['create', 'update', 'delete']);

interface ValidateInput {
  resource?: unknown;
  mode: Mode;
  profile?: string;
}

function readInput(request: FhirRequest, type: string): ValidateInput {
  const body = request.body as Resource | undefined;
  let input: ValidateInput = { mode: undefined };
  if (body !== undefined) {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('The body must be a resource or a Parameters');
    if (body.resourceType === 'Parameters' && type !== 'Parameters') {
      const params = (body as Parameters).parameter ?? [];
      const get = (name: string) => params.find((p) => p.name === name);
      input = { resource: get('resource')?.resource, mode: get('mode')?.valueCode as Mode, profile: get('profile')?.valueCanonical ?? get('profile')?.valueUri };
    } else input.resource = body;
  }
  const queryMode = request.query.get('mode');
  if (input.mode === undefined && queryMode !== null) input.mode = queryMode as Mode;
  input.profile ??= request.query.get('profile') ?? undefined;
  if (input.mode !== undefined && !MODES.has(input.mode)) throw badRequest(`mode must be create, update or delete, not '${String(input.mode).slice(0, 40)}'`, 'Parameters.parameter.mode');
  return input;
}

function outcome(issues: OperationOutcomeIssue[]): FhirResponse {
  const errors = issues.some((i) => i.severity === 'error' || i.severity === 'fatal');
  const all = errors ? issues : [issue('informational', 'All OK', undefined, 'information'), ...issues];
  return { status: 200, headers: {}, body: operationOutcome(all) };
}

/** What the server's write rules (the INS check key...) would refuse, whatever the profile. */
function ruleIssues(ctx: ServerContext, resource: Resource): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  for (const rule of ctx.writeRules ?? []) {
    if (!rule.resourceTypes.includes(resource.resourceType)) continue;
    try {
      rule.check(resource);
    } catch (err) {
      if (!(err instanceof FhirError)) throw err;
      issues.push(...err.issues);
    }
  }
  return issues;
}

function contentIssues(resource: unknown, type: string, validate: (r: unknown) => OperationOutcomeIssue[]): OperationOutcomeIssue[] {
  if (typeof resource !== 'object' || resource === null || Array.isArray(resource)) {
    return [issue('structure', 'The resource to validate must be a JSON object')];
  }
  const found = (resource as Resource).resourceType;
  if (found !== type) return [issue('invalid', `resourceType '${String(found).slice(0, 64)}' does not match the URL type '${type}'`, 'resourceType')];
  const duplicate = duplicateContainedId(resource);
  return duplicate ? [duplicate, ...validate(resource)] : validate(resource);
}

const validateOperation: RouteHandler = async (ctx, request, params: RouteParams) => {
  const { type, id } = params;
  if (id !== undefined && !ID_PATTERN.test(id)) throw badRequest(`Invalid id '${id.slice(0, 80)}'`);
  const input = readInput(request, type);
  const profile = input.profile;
  if (profile !== undefined && !(ctx.validator.knowsProfile?.(profile) ?? false)) {
    throw new FhirError(400, [issue('not-found', `Profile '${profile.slice(0, 200)}' is not known to this server`, 'Parameters.parameter.profile')]);
  }
  const validate = (r: unknown) => ctx.validator.validate(r, profile === undefined ? undefined : { profile });

  if (input.mode === 'delete') {
    if (id === undefined) throw badRequest('Mode delete needs an instance: use [type]/[id]/$validate');
    const record = await ctx.store.read(type, id);
    if (!record || record.deleted) return outcome([issue('not-found', `${type}/${id} does not exist: there is nothing to delete`)]);
    return outcome([]);
  }
  if (input.mode === 'update' && id === undefined) throw badRequest('Mode update needs an instance: use [type]/[id]/$validate');
  if (input.mode === 'create' && id !== undefined) throw badRequest('Mode create is a type-level check: use [type]/$validate');

  let resource = input.resource;
  if (resource === undefined) {
    if (id === undefined || input.mode !== undefined) throw badRequest('A resource to validate is required');
    const record = await ctx.store.read(type, id);
    if (!record || record.deleted) throw new FhirError(record ? 410 : 404, [issue(record ? 'deleted' : 'not-found', `${type}/${id} does not exist`)]);
    resource = record.resource;
  }
  const issues = contentIssues(resource, type, validate);
  if (!issues.some((i) => i.severity === 'error' || i.severity === 'fatal')) issues.push(...ruleIssues(ctx, resource as Resource));
  if (input.mode === 'update') {
    const bodyId = (resource as Resource).id;
    if (bodyId !== id) issues.push(issue('invalid', `Resource id '${String(bodyId ?? '')}' does not match the URL id '${id}'`, `${type}.id`));
  }
  return outcome(issues);
};

const checkedValidate = operationRoute('http://hl7.org/fhir/OperationDefinition/Resource-validate', validateOperation, { resourceBody: true });

export const validateRoutes: RouteDefinition[] = [
  { method: 'POST', pattern: ':type/$validate', handler: checkedValidate },
  { method: 'POST', pattern: ':type/:id/$validate', handler: checkedValidate },
  { method: 'GET', pattern: ':type/:id/$validate', handler: checkedValidate },
];
