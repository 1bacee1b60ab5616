import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { badRequest, invalidResource } from '../../kernel/errors';
import { duplicateContainedId } from './contained-ids';
import { assertValid } from '../validation/assert-valid';
import { ID_PATTERN, withoutServerMeta } from '../model/meta';
import type { ServerContext } from './server-context';

export interface CheckedBody {
  resource: Resource;
  warnings: OperationOutcomeIssue[];
}

/**
 * Checks a write body against the URL (object, resourceType, id) and validates it, with the client's
 * meta.versionId / meta.lastUpdated dropped since the store assigns them.
 * `urlId`: the id of the URL (update); 'none' when the URL has none (create: a body id is ignored).
 */
export function checkWriteBody(ctx: ServerContext, body: unknown, type: string, urlId: string | undefined): CheckedBody {
  if (body === undefined || body === null) throw badRequest('A resource body is required');
  if (typeof body !== 'object' || Array.isArray(body)) throw badRequest('The body must be a JSON object (a FHIR resource)');
  const candidate = body as Record<string, unknown>;
  if (candidate.resourceType === undefined) throw badRequest('The resource has no resourceType', 'resourceType');
  if (candidate.resourceType !== type) {
    throw badRequest(`resourceType '${String(candidate.resourceType)}' does not match the URL type '${type}'`, 'resourceType');
  }
  if (urlId !== undefined) {
    if (candidate.id === undefined) throw badRequest('The resource must carry the id of the URL', `${type}.id`);
    if (candidate.id !== urlId) throw badRequest(`Resource id '${String(candidate.id)}' does not match the URL id '${urlId}'`, `${type}.id`);
  }
  if (candidate.id !== undefined && (typeof candidate.id !== 'string' || !ID_PATTERN.test(candidate.id))) {
    throw badRequest('Invalid id: 1 to 64 characters among A-Z a-z 0-9 - .', `${type}.id`);
  }
  const duplicate = duplicateContainedId(candidate);
  if (duplicate) throw invalidResource([duplicate]);
  const resource = withoutServerMeta(candidate as unknown as Resource);
  const warnings = assertValid(ctx.validator, resource);
  return { resource, warnings };
}

/** Throws 400 unless the id of a URL is a valid FHIR id. */
export function assertUrlId(id: string): void {
  if (!ID_PATTERN.test(id)) throw badRequest(`Invalid id '${id.slice(0, 80)}': 1 to 64 characters among A-Z a-z 0-9 - .`);
}
