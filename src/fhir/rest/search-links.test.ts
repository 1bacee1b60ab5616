import type { SearchResult } from '../search/search-request';
import { CURSOR_PARAM } from './page-token';
import { searchLinks } from './search-links';
import type { ServerContext } from './server-context';

const ctx = { config: { baseUrl: 'http://127.0.0.1/fhir' } } as ServerContext;

/** The links as a fresh URLSearchParams per link (copy, drop paging, set _count and the link's own parameter). */
function reference(path: string, query: URLSearchParams, count: number, extra: Record<string, string>): string {
  const q = new URLSearchParams();
  for (const [k, v] of query) if (k !== '_offset' && k !== '_count' && k !== CURSOR_PARAM) q.append(k, v);
  q.set('_count', String(count));
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  return `${ctx.config.baseUrl}${path ? `/${path}` : ''}?${q.toString()}`;
}

describe('searchLinks', () => {
  const result = (over: Partial<SearchResult>): SearchResult => ({ entries: [], included: [], hasMore: false, ...over });

  it.each([
    ['Observation', 'subject=Patient/p1&code=http://loinc.org|29463-7&_count=10'],
    ['Patient', 'name=Zoé+Dupré&name:exact=a%26b&_offset=40&_count=20&_sort=-birthdate'],
    ['', '_type=Patient,Observation&_count=5'],
    ['Patient/p1/ImagingStudy', ''],
  ])('writes the same URLs as rebuilding the query per link (%s?%s)', (path, qs) => {
    const query = new URLSearchParams(qs);
    const count = Number(query.get('_count') ?? 20);
    const offset = Number(query.get('_offset') ?? 0);
    const links = searchLinks(ctx, path, query, 'fp', { count, offset, result: result({ hasMore: true }) });
    const expected = [
      { relation: 'self', url: reference(path, query, count, offset > 0 ? { _offset: String(offset) } : {}) },
      { relation: 'first', url: reference(path, query, count, {}) },
      ...(offset > 0 ? [{ relation: 'previous', url: reference(path, query, count, { _offset: String(Math.max(0, offset - count)) }) }] : []),
      { relation: 'next', url: reference(path, query, count, { _offset: String(offset + count) }) },
    ];
    expect(links).toEqual(expected);
  });

  it('keeps the cursor of the current page in self and signs the next cursor', () => {
    const query = new URLSearchParams('code=x&_cursor=abc.def&_count=2');
    const links = searchLinks(ctx, 'Observation', query, 'fp', { count: 2, offset: 0, result: result({ next: { keys: [1], after: true }, hasMore: true }) });
    expect(links[0]).toEqual({ relation: 'self', url: reference('Observation', query, 2, { _cursor: 'abc.def' }) });
    expect(links[2].relation).toBe('next');
    expect(links[2].url).toMatch(/^http:\/\/127\.0\.0\.1\/fhir\/Observation\?code=x&_count=2&_cursor=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  });
});
