import { notFound } from '../../kernel/errors';
import { goneVersion } from './read';
import { readResponse } from './resource-response';
import type { RouteHandler } from './router';
import { assertUrlId } from './write-body';

/** GET [type]/[id]/_history/[vid]: 404 unknown version, 410 when that version is a deletion. */
export const vread: RouteHandler = async (ctx, request, { type, id, vid }) => {
  assertUrlId(id);
  const record = /^[1-9][0-9]{0,15}$/.test(vid) ? await ctx.store.vread(type, id, vid) : undefined;
  if (!record) throw notFound(`${type}/${id}/_history/${vid} is not known`);
  if (record.deleted) throw goneVersion(record);
  return readResponse(ctx, request, record);
};
