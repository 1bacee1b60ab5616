import { FhirError, issue } from '../../kernel/errors';
import type { SearchRequest, SearchValue } from './search-request';

/**
 * How big one search may be, the same for every store. Each backend turns a search into one query whose size
 * grows with these counts; SQLite refuses queries far larger (999+ AND terms, 500 compound terms, 32,766
 * variables), MongoDB much later still, so these leave a wide margin and a client gets a clear 400 naming
 * the limit instead of a database error. Real clients stay far below them.
 */
export const SEARCH_LIMITS = {
  /** Filters ANDed in one search (each repetition of a parameter counts). */
  maxParameters: 32,
  /** Comma-separated values of one parameter (an OR list). */
  maxOrValues: 100,
  /** Values of every parameter of the search together. */
  maxValues: 150,
  /** Keys of `_sort`. */
  maxSortKeys: 8,
  /** `_include` and `_revinclude` rules together, as sent. */
  maxIncludes: 16,
  /** Codes that token `:in`/`:not-in`/`:above`/`:below` values expand to, over the whole search. */
  maxExpandedCodes: 1000,
} as const;

export type SearchLimit = keyof typeof SEARCH_LIMITS;

const WHAT: Record<SearchLimit, string> = {
  maxParameters: 'search parameters',
  maxOrValues: 'values in one parameter',
  maxValues: 'values in all',
  maxSortKeys: '_sort keys',
  maxIncludes: '_include/_revinclude rules',
  maxExpandedCodes: 'codes from terminology modifiers',
};

/** 400 too-costly: the search goes over `limit`. */
export function overLimit(limit: SearchLimit, found: number, expression?: string): FhirError {
  const message = `Search too large: ${found} ${WHAT[limit]}, at most ${SEARCH_LIMITS[limit]} allowed (${limit})`;
  return new FhirError(400, [issue('too-costly', expression ? `${expression}: ${message}` : message, expression)]);
}

/** Throws overLimit when `found` exceeds `limit`. */
export function checkLimit(limit: SearchLimit, found: number, expression?: string): void {
  if (found > SEARCH_LIMITS[limit]) throw overLimit(limit, found, expression);
}

/**
 * Checks a whole request against SEARCH_LIMITS. The parser checks as it goes (so a huge query fails before
 * all of it is parsed); the stores call this too, so a request built in code cannot go past the limits either.
 * A terminology expansion (`:in`, `:below`) counts as one value, and its codes count in maxExpandedCodes.
 */
export function checkSearchLimits(request: SearchRequest): void {
  checkLimit('maxParameters', request.filters.length);
  let values = 0;
  let codes = 0;
  for (const filter of request.filters) {
    checkLimit('maxOrValues', filter.values.length, filter.code);
    values += filter.values.length;
    codes += expandedCodes(filter.values);
  }
  checkLimit('maxValues', values);
  checkLimit('maxExpandedCodes', codes);
  checkLimit('maxSortKeys', request.sort.length, '_sort');
  // `_include=*` is expanded by the parser into one rule per searched type; the parser counted it as sent.
  const rules = [...(request.include ?? []), ...(request.revinclude ?? [])].filter((r) => r.code !== '*');
  checkLimit('maxIncludes', new Set(rules.map((r) => `${r.resourceType}:${r.code}:${r.targetType ?? ''}:${r.iterate}`)).size);
}

/** How many codes the terminology-expanded values among `values` stand for. */
export function expandedCodes(values: readonly SearchValue[]): number {
  let n = 0;
  for (const v of values) if (v.kind === 'codes') n += v.codes.length;
  return n;
}
