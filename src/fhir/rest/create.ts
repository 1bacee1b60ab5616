import type { Resource } from '@medplum/fhirtypes';
import { multipleMatches } from '../../kernel/errors';
import { writeResponse } from './resource-response';
import type { RouteHandler } from './router';
import { matchCriteria } from './search-parsing';
import { checkWriteBody } from './write-body';
import { enforceRequiredProfiles } from '../validation/profile-required';

/**
 * POST [type]: the server assigns the id (a body id is ignored). With If-None-Exist, the search and the
 * create run in one store transaction: 0 matches creates, 1 returns the match (200), more answer 412.
 */
export const create: RouteHandler = async (ctx, request) => {
  const type = request.path.split('/')[0];
  const { resource, warnings } = checkWriteBody(ctx, request.body, type, undefined);
  warnings.push(...enforceRequiredProfiles(ctx, resource));
  const fresh = { ...resource, id: ctx.ids.next() } as Resource & { id: string };
  const ifNoneExist = request.headers['if-none-exist'];
  if (ifNoneExist === undefined || ifNoneExist.trim() === '') {
    return writeResponse(ctx, request, await ctx.store.create(fresh), 201, warnings);
  }
  return ctx.store.transaction(async (tx) => {
    const matches = await matchCriteria(ctx, tx, type, ifNoneExist, 2);
    if (matches.length > 1) throw multipleMatches(`If-None-Exist '${ifNoneExist}' matches several ${type} resources`);
    if (matches.length === 1) return writeResponse(ctx, request, matches[0], 200);
    return writeResponse(ctx, request, await tx.create(fresh), 201, warnings);
  });
};
