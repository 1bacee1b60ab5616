import type { BundleLink } from '@medplum/fhirtypes';
import { badRequest } from '../../kernel/errors';
import type { ServerContext } from './server-context';

/** _count (default config.defaultPageSize, at most config.maxPageSize) and _offset of a query. */
export function pageOf(ctx: ServerContext, query: URLSearchParams): { count: number; offset: number } {
  const rawCount = query.get('_count');
  const rawOffset = query.get('_offset');
  if (rawCount !== null && !/^[0-9]{1,9}$/.test(rawCount)) throw badRequest(`Invalid _count '${rawCount}'`, '_count');
  if (rawOffset !== null && !/^[0-9]{1,9}$/.test(rawOffset)) throw badRequest(`Invalid _offset '${rawOffset}'`, '_offset');
  const count = Math.min(rawCount === null ? ctx.config.defaultPageSize : Number(rawCount), ctx.config.maxPageSize);
  return { count, offset: rawOffset === null ? 0 : Number(rawOffset) };
}

/** self / first / previous / next links of a page, as base/path?query with _count and _offset rewritten. */
export function pageLinks(
  ctx: ServerContext,
  path: string,
  query: URLSearchParams,
  page: { count: number; offset: number; hasMore: boolean },
): BundleLink[] {
  const url = (offset: number) => {
    const q = new URLSearchParams();
    for (const [k, v] of query) if (k !== '_offset' && k !== '_count') q.append(k, v);
    q.set('_count', String(page.count));
    if (offset > 0) q.set('_offset', String(offset));
    return `${ctx.config.baseUrl}${path ? `/${path}` : ''}?${q.toString()}`;
  };
  const links: BundleLink[] = [
    { relation: 'self', url: url(page.offset) },
    { relation: 'first', url: url(0) },
  ];
  if (page.offset > 0 && page.count > 0) links.push({ relation: 'previous', url: url(Math.max(0, page.offset - page.count)) });
  if (page.hasMore && page.count > 0) links.push({ relation: 'next', url: url(page.offset + page.count) });
  return links;
}
