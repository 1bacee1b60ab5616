import type { Resource } from '@medplum/fhirtypes';
import { badRequest, multipleMatches } from '../../kernel/errors';
import type { FhirStore } from '../../store/store';
import { parseEtag } from '../model/meta';
import type { FhirRequest } from './fhir-request';
import { writeResponse } from './resource-response';
import type { RouteHandler } from './router';
import { matchCriteria } from './search-parsing';
import { assertUrlId, checkWriteBody } from './write-body';
import { enforceRequiredProfiles } from '../validation/profile-required';

/** PUT [type]/[id]: update, or update-as-create with the client's id; If-Match → 412 on a stale version. */
export const update: RouteHandler = async (ctx, request, { type, id }) => {
  assertUrlId(id);
  const { resource, warnings } = checkWriteBody(ctx, request.body, type, id);
  warnings.push(...enforceRequiredProfiles(ctx, resource));
  const { record, created } = await ctx.store.update(resource as Resource & { id: string }, writeOptions(request));
  return writeResponse(ctx, request, record, created ? 201 : 200, warnings);
};

/**
 * PUT [type]?criteria (R4 conditional update), in one store transaction: no match creates (with the body's
 * id if any, else a server id), one match updates it (a body id must name it), several answer 412.
 */
export const conditionalUpdate: RouteHandler = async (ctx, request, { type }) => {
  const criteria = request.query.toString();
  if (criteria === '') throw badRequest('PUT on a type needs search criteria (conditional update) or an id in the URL');
  const { resource, warnings } = checkWriteBody(ctx, request.body, type, undefined);
  warnings.push(...enforceRequiredProfiles(ctx, resource));
  return ctx.store.transaction(async (tx: FhirStore) => {
    const matches = await matchCriteria(ctx, tx, type, criteria, 2);
    if (matches.length > 1) throw multipleMatches(`Conditional update criteria match several ${type} resources`);
    let id = resource.id;
    if (matches.length === 1) {
      if (id !== undefined && id !== matches[0].id) {
        throw badRequest(`Resource id '${id}' differs from the matching resource ${type}/${matches[0].id}`, `${type}.id`);
      }
      id = matches[0].id;
    }
    const target = { ...resource, id: id ?? ctx.ids.next() } as Resource & { id: string };
    const { record, created } = await tx.update(target, writeOptions(request));
    return writeResponse(ctx, request, record, created ? 201 : 200, warnings);
  });
};

export function writeOptions(request: FhirRequest): { ifMatch?: string } {
  const raw = request.headers['if-match'];
  if (raw === undefined) return {};
  const ifMatch = parseEtag(raw);
  if (ifMatch === undefined) throw badRequest(`Invalid If-Match '${raw.slice(0, 80)}'`);
  return { ifMatch };
}
