import { badRequest, multipleMatches } from '../../kernel/errors';
import type { FhirStore } from '../../store/store';
import { versionHeaders } from '../model/meta';
import type { FhirResponse } from './fhir-request';
import type { RouteHandler } from './router';
import { matchCriteria } from './search-parsing';
import { writeOptions } from './update';
import { assertUrlId } from './write-body';

/** DELETE [type]/[id]: writes a deletion version (204 with its ETag); deleting nothing is also 204. */
export const deleteResource: RouteHandler = async (ctx, request, { type, id }) => {
  assertUrlId(id);
  const record = await ctx.store.delete(type, id, writeOptions(request));
  return { status: 204, headers: record ? versionHeaders(record) : {} };
};

/**
 * DELETE [type]?criteria: one match is deleted; several are deleted only when config.allowMultipleDelete,
 * else 412. Search and deletions run in one store transaction.
 */
export const conditionalDelete: RouteHandler = async (ctx, request, { type }) => {
  const criteria = request.query.toString();
  if (criteria === '') throw badRequest('DELETE on a type needs search criteria (conditional delete)');
  const batch = ctx.config.maxPageSize;
  return ctx.store.transaction(async (tx: FhirStore): Promise<FhirResponse> => {
    let matches = await matchCriteria(ctx, tx, type, criteria, ctx.config.allowMultipleDelete ? batch : 2);
    if (matches.length > 1 && !ctx.config.allowMultipleDelete) {
      throw multipleMatches(`Conditional delete criteria match several ${type} resources (multiple delete is disabled)`);
    }
    let headers: Record<string, string> = {};
    let deleted = 0;
    while (matches.length > 0) {
      for (const match of matches) {
        const record = await tx.delete(type, match.id, matches.length === 1 && deleted === 0 ? writeOptions(request) : {});
        if (record) headers = deleted === 0 ? versionHeaders(record) : {};
        deleted++;
      }
      if (!ctx.config.allowMultipleDelete) break;
      matches = await matchCriteria(ctx, tx, type, criteria, batch);
    }
    return { status: 204, headers };
  });
};
