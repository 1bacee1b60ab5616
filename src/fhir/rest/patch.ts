import type { Resource } from '@medplum/fhirtypes';
import { FhirError, badRequest, conflict, gone, issue, multipleMatches, notFound, preconditionFailed, unsupportedMediaType } from '../../kernel/errors';
import type { FhirStore, VersionRecord } from '../../store/store';
import { duplicateContainedId } from './contained-ids';
import { findMatches } from '../bundle/find-matches';
import { ID_PATTERN, parseEtag, withoutServerMeta } from '../model/meta';
import type { FhirRequest } from './fhir-request';
import { applyFhirPathPatch } from './patch-fhirpath';
import { assertDepthWithin, postedResourceLimits } from './patch-budget';
import { applyJsonPatch, jsonEqual } from './patch-json';
import { writeResponse } from './resource-response';
import type { RouteDefinition, RouteHandler } from './router';
import type { ServerContext } from './server-context';

type PatchKind = 'json-patch' | 'fhirpath-patch';

function patchKind(request: FhirRequest): PatchKind {
  const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/json-patch+json') return 'json-patch';
  if (type === 'application/fhir+json' || type === 'application/json') return 'fhirpath-patch';
  throw unsupportedMediaType(
    `PATCH expects application/json-patch+json (JSON Patch) or application/fhir+json (FHIRPath Patch Parameters), not '${type}'`,
  );
}

async function target(ctx: ServerContext, store: FhirStore, type: string, id: string | undefined, query: URLSearchParams): Promise<VersionRecord> {
  if (id !== undefined) {
    if (!ID_PATTERN.test(id)) throw badRequest(`Invalid id '${id.slice(0, 80)}'`);
    const record = await store.read(type, id);
    if (!record) throw notFound(`${type}/${id} is not known`);
    if (record.deleted) throw gone(`${type}/${id} was deleted`);
    return record;
  }
  if ([...query.keys()].length === 0) throw badRequest('PATCH on a type needs search criteria (conditional patch) or an id in the URL');
  const matches = await findMatches(ctx, store, type, query);
  if (matches.length === 0) throw notFound(`No ${type} matches the conditional patch criteria`);
  if (matches.length > 1) throw multipleMatches(`Conditional patch criteria match several ${type} resources`);
  return matches[0];
}

/** The patched resource must still be a valid resource of the same type and id; else 422 (the patch applied but its result cannot be accepted). */
function checkResult(ctx: ServerContext, before: Resource, after: unknown) {
  if (typeof after !== 'object' || after === null || Array.isArray(after)) {
    throw new FhirError(422, [issue('processing', 'The patch does not leave a resource')]);
  }
  const resource = after as Resource;
  if (resource.resourceType !== before.resourceType) {
    throw new FhirError(422, [issue('processing', 'A patch cannot change resourceType', `${before.resourceType}.resourceType`)]);
  }
  if (resource.id !== before.id) {
    throw new FhirError(422, [issue('processing', 'A patch cannot change the id', `${before.resourceType}.id`)]);
  }
  const duplicate = duplicateContainedId(resource);
  if (duplicate) throw new FhirError(422, [duplicate]);
  const cleaned = withoutServerMeta(resource);
  const issues = ctx.validator.validate(cleaned);
  if (issues.some((i) => i.severity === 'error' || i.severity === 'fatal')) throw new FhirError(422, issues);
  return { resource: cleaned as Resource & { id: string }, warnings: issues };
}

function unchanged(current: Resource, patched: unknown): boolean {
  return typeof patched === 'object' && patched !== null && jsonEqual(withoutServerMeta(patched as Resource), withoutServerMeta(current));
}

/**
 * How often a patch is recomputed when another write changed the resource between its read and its write.
 * Between attempts it waits a few random milliseconds, so that racing patches do not collide again in step
 * (on a store without transactions two racing writes can both lose a round).
 */
const PATCH_ATTEMPTS = 10;

const backoff = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * 2 * attempt));

/**
 * PATCH [type]/[id] and PATCH [type]?criteria with JSON Patch or FHIRPath Patch. The current version is read,
 * the patch computed and checked outside any store transaction (a costly patch never holds the writers up),
 * then written on condition that the resource is still at the version read. When another write came first
 * the patch is recomputed on the new version, unless the client named the version with If-Match (412).
 * A patch that changes nothing answers the current version without writing one.
 */
export const patch: RouteHandler = async (ctx, request, params) => {
  const kind = patchKind(request);
  if (request.body === undefined) throw badRequest('PATCH needs a body');
  const rawIfMatch = request.headers['if-match'];
  const ifMatch = parseEtag(rawIfMatch);
  if (rawIfMatch !== undefined && ifMatch === undefined) throw badRequest(`Invalid If-Match '${rawIfMatch.slice(0, 80)}'`);
  const limits = postedResourceLimits(ctx.config.maxBodyBytes, ctx.config.maxResourceElements);
  for (let attempt = 1; ; attempt++) {
    const record = await target(ctx, ctx.store, params.type, params.id, request.query);
    if (ifMatch !== undefined && ifMatch !== '*' && ifMatch !== record.versionId) {
      throw preconditionFailed(`If-Match names version ${ifMatch} but ${record.resourceType}/${record.id} is at version ${record.versionId}`);
    }
    const current = record.resource as Resource;
    const patched =
      kind === 'json-patch' ? applyJsonPatch(current, request.body, limits) : applyFhirPathPatch(ctx.definitions, current, request.body, limits);
    assertDepthWithin(patched);
    if (unchanged(current, patched)) return writeResponse(ctx, request, record, 200);
    const { resource, warnings } = checkResult(ctx, current, patched);
    try {
      const { record: written } = await ctx.store.update(resource, { ifMatch: record.versionId, method: 'PATCH' });
      return writeResponse(ctx, request, written, 200, warnings.length ? warnings : undefined);
    } catch (err) {
      const raced = err instanceof FhirError && (err.status === 412 || err.status === 409);
      if (!raced || (ifMatch !== undefined && ifMatch !== '*')) throw err;
      if (attempt >= PATCH_ATTEMPTS) throw conflict(`${record.resourceType}/${record.id} is being changed by others; try the patch again`);
      await backoff(attempt);
    }
  }
};

export const patchRoutes: RouteDefinition[] = [
  { method: 'PATCH', pattern: ':type/:id', handler: patch },
  { method: 'PATCH', pattern: ':type', handler: patch },
];
