import { loadDefinitions } from '../conformance/definitions';
import { FhirError } from '../../kernel/errors';
import { parseSearchRequest } from './parse-search';
import { checkSearchLimits, SEARCH_LIMITS } from './search-limits';

const definitions = loadDefinitions();
const parse = (type: string, query: string) => parseSearchRequest(definitions, type, new URLSearchParams(query));

function error(type: string, query: string): FhirError {
  try {
    parse(type, query);
  } catch (e) {
    if (e instanceof FhirError) return e;
    throw e;
  }
  throw new Error(`no error for ${type}?${query.slice(0, 80)}`);
}

const repeat = <T = string>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

describe('search limits', () => {
  it.each([
    ['an AND of 991 names', 'Patient', repeat(991, (i) => `name=n${i}`).join('&'), 'maxParameters'],
    ['an OR list of 501 names', 'Patient', `name=${repeat(501, (i) => `n${i}`).join(',')}`, 'maxOrValues'],
    ['an OR list of 501 identifiers', 'Patient', `identifier=${repeat(501, (i) => `s|${i}`).join(',')}`, 'maxOrValues'],
    ['32,764 _ids', 'Patient', `_id=${repeat(32764, (i) => `p${i}`).join(',')}`, 'maxOrValues'],
    ['too many values in all', 'Patient', repeat(2, (j) => `name=${repeat(80, (i) => `n${j}x${i}`).join(',')}`).join('&'), 'maxValues'],
    ['repeated _include', 'Observation', repeat(100, () => '_include=Observation:subject').join('&'), 'maxIncludes'],
    ['a long _include list', 'Observation', `_revinclude=${repeat(17, () => 'Provenance:target').join(',')}`, 'maxIncludes'],
    ['1,000 sort keys', 'Patient', `_sort=${repeat(1000, () => 'name').join(',')}`, 'maxSortKeys'],
    ['9 sort keys', 'Patient', '_sort=name,family,given,birthdate,gender,address,phone,email,_id', 'maxSortKeys'],
  ])('%s answers 400 too-costly naming the limit', (_what, type, query, limit) => {
    const started = performance.now();
    const e = error(type, query);
    expect(performance.now() - started).toBeLessThan(500);
    expect(e.status).toBe(400);
    expect(e.issues[0].code).toBe('too-costly');
    expect(e.message).toContain(limit);
    expect(e.message).toContain(`at most ${SEARCH_LIMITS[limit as keyof typeof SEARCH_LIMITS]}`);
  });

  it('accepts searches at the limits', () => {
    expect(parse('Patient', repeat(32, (i) => `name=n${i}`).join('&')).request.filters).toHaveLength(32);
    expect(parse('Patient', `_id=${repeat(100, (i) => `p${i}`).join(',')}&name=${repeat(50, (i) => `n${i}`).join(',')}`).request.filters).toHaveLength(2);
    expect(parse('Patient', '_sort=name,family,given,birthdate,gender,address,phone,_id').request.sort).toHaveLength(8);
    expect(parse('Observation', repeat(16, (i) => `_include=Observation:${i % 2 ? 'subject' : 'performer'}`).join('&')).request.include).toHaveLength(16);
  });

  it('refuses a sort key named twice, whatever its direction', () => {
    for (const q of ['_sort=name,name', '_sort=name,-name', '_sort=_id&_sort=-_id']) {
      const e = error('Patient', q);
      expect(e.status).toBe(400);
      expect(e.message).toMatch(/named more than once/);
    }
  });

  it('the store-side check refuses a request built in code past the limits', () => {
    const { request } = parse('Patient', 'name=a');
    const many = { ...request, filters: repeat(33, () => request.filters[0]) };
    expect(() => checkSearchLimits(many)).toThrow(/maxParameters/);
    expect(() => checkSearchLimits({ ...request, sort: repeat(9, (i) => ({ code: `c${i}`, descending: false })) })).toThrow(/maxSortKeys/);
    expect(() => checkSearchLimits(request)).not.toThrow();
    const token = parse('Observation', 'code=x').request;
    const codes = (n: number) => ({ kind: 'codes' as const, codes: repeat(n, (i) => ({ system: 'http://loinc.org', code: `${i}` })) });
    const expanded = { ...token, filters: [{ ...token.filters[0], values: [codes(600), codes(600)] }] };
    expect(() => checkSearchLimits(expanded)).toThrow(/maxExpandedCodes/);
  });
});

describe('values with nothing to search for', () => {
  it.each([
    ['Patient', 'family=-'],
    ['Patient', 'family=%25'],
    ['Patient', 'name=.'],
    ['Patient', 'name=%20%20'],
    ['Patient', 'name:contains=--'],
    ['Patient', 'family=smith,-'],
    ['Observation', 'code:text=...'],
  ])('%s?%s is refused with 400', (type, query) => {
    const e = error(type, query);
    expect(e.status).toBe(400);
    expect(e.message).toMatch(/no letter or digit/);
  });

  it('punctuation is still allowed around letters, and :exact keeps the value as sent', () => {
    expect(parse('Patient', 'family=-dupont-').request.filters[0].values).toEqual([{ kind: 'string', value: 'dupont' }]);
    expect(parse('Patient', 'family:exact=-').request.filters[0].values).toEqual([{ kind: 'string', value: '-' }]);
  });
});
