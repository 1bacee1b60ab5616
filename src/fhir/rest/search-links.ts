import type { BundleLink } from '@medplum/fhirtypes';
import type { SearchResult } from '../search/search-request';
import { CURSOR_PARAM, encodePageToken } from './page-token';
import type { ServerContext } from './server-context';

/**
 * self / first / previous / next of a search page. Neighbouring pages are keyset cursors when the backend
 * gives them (stable while data changes); a backend without cursors gets _offset links.
 */
export function searchLinks(
  ctx: ServerContext,
  path: string,
  query: URLSearchParams,
  fingerprint: string,
  page: { count: number; offset: number; result: SearchResult },
): BundleLink[] {
  // The query without its paging parameters is encoded once; each link appends _count and its own paging
  // parameter, which gives the same text as URLSearchParams.set on a copy (set appends a removed key at the end).
  const kept = new URLSearchParams();
  for (const [k, v] of query) if (k !== '_offset' && k !== '_count' && k !== CURSOR_PARAM) kept.append(k, v);
  const keptText = kept.toString();
  const prefix = `${ctx.config.baseUrl}${path ? `/${path}` : ''}?${keptText}${keptText ? '&' : ''}_count=${page.count}`;
  const url = (extra: Record<string, string>) => {
    let text = prefix;
    for (const k in extra) text += `&${new URLSearchParams([[k, extra[k]]]).toString()}`;
    return text;
  };
  const current = query.get(CURSOR_PARAM);
  const self: Record<string, string> = current ? { [CURSOR_PARAM]: current } : page.offset > 0 ? { _offset: String(page.offset) } : {};
  const links: BundleLink[] = [
    { relation: 'self', url: url(self) },
    { relation: 'first', url: url({}) },
  ];
  if (page.count === 0) return links;
  const { result } = page;
  if (result.previous) links.push({ relation: 'previous', url: url({ [CURSOR_PARAM]: encodePageToken(result.previous, fingerprint) }) });
  else if (!current && page.offset > 0) links.push({ relation: 'previous', url: url({ _offset: String(Math.max(0, page.offset - page.count)) }) });
  if (result.next) links.push({ relation: 'next', url: url({ [CURSOR_PARAM]: encodePageToken(result.next, fingerprint) }) });
  else if (result.hasMore && !current) links.push({ relation: 'next', url: url({ _offset: String(page.offset + page.count) }) });
  return links;
}

/** `query` without the parameters named in `names` (as sent, modifier included); `query` itself when none. */
export function withoutParameters(query: URLSearchParams, names: readonly string[]): URLSearchParams {
  if (names.length === 0) return query;
  const dropped = new Set(names);
  const kept = new URLSearchParams();
  for (const [k, v] of query) if (!dropped.has(k)) kept.append(k, v);
  return kept;
}
