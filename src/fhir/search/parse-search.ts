import type { SearchParameter } from '@medplum/fhirtypes';
import { badRequest } from '../../kernel/errors';
import type { Definitions } from '../conformance/definitions';
import { UNSUPPORTED_PARAMETERS } from '../conformance/capability-statement-search';
import { parseComposite } from './parse-composite';
import { parseIncludeRules } from './parse-include';
import { commonParameter, resolveParameter } from './resolve-parameter';
import { checkLimit, expandedCodes } from './search-limits';
import { defaultTerminology, resolveCodes, type TerminologyResolver } from './terminology-resolver';
import {
  parseDate, parseMissing, parseNumber, parseQuantity, parseReference, parseString, parseToken, parseUri, splitOr,
  type ValueContext,
} from './parse-values';
import type { SearchFilter, SearchRequest, SearchValue, SortRule } from './search-request';

export const DEFAULT_COUNT = 20;
export const MAX_COUNT = 1000;

/** Result parameters handled by the REST layer: never filters, never unknown. */
const RESULT_PARAMETERS = new Set([
  '_format', '_pretty', '_summary', '_elements', '_contained', '_containedType', '_type', '_cursor',
]);


/** Token modifiers answered through a TerminologyResolver. */
const TERMINOLOGY_MODIFIERS = new Set(['in', 'not-in', 'above', 'below']);

/** Modifiers accepted per parameter type (besides `:[type]` on references). */
const MODIFIERS: Record<string, ReadonlySet<string>> = {
  string: new Set(['exact', 'contains', 'missing']),
  token: new Set(['not', 'missing', 'text', 'of-type', 'in', 'not-in', 'above', 'below']),
  reference: new Set(['missing', 'identifier']),
  date: new Set(['missing']),
  number: new Set(['missing']),
  quantity: new Set(['missing']),
  uri: new Set(['missing', 'below', 'above']),
  composite: new Set(['missing']),
};

const PARSERS: Record<string, (raw: string, c: ValueContext) => SearchValue> = {
  string: parseString,
  token: parseToken,
  composite: () => {
    throw new Error('composite values are parsed by parseComposite');
  },
  reference: parseReference,
  date: parseDate,
  number: parseNumber,
  quantity: parseQuantity,
  uri: parseUri,
};

export interface ParseSearchOptions {
  /** Public base URL: absolute references under it are searched as local ones. */
  baseUrl?: string;
  defaultCount?: number;
  maxCount?: number;
  /** Answers token :in/:not-in/:above/:below; defaults to the ValueSets enumerable from the definitions. */
  terminology?: TerminologyResolver;
}

export interface ParsedSearch {
  request: SearchRequest;
  /** Parameters (as sent, with modifier) that are not known or not supported for the type. */
  unknown: string[];
}

/**
 * Query string -> SearchRequest. Comma separates OR values, a repeated parameter ANDs, `\` escapes `,|$\`.
 * Empty values are ignored. `_count` above the maximum is clamped, not refused: R4 treats `_count` as a hint
 * the server may lower. Malformed values throw FhirError 400 naming the parameter; a search larger than
 * SEARCH_LIMITS throws 400 too-costly naming the limit, checked as parsing goes.
 */
export function parseSearchRequest(
  definitions: Definitions,
  resourceType: string | readonly string[] | undefined,
  query: URLSearchParams | Record<string, string | string[] | undefined>,
  options: ParseSearchOptions = {},
): ParsedSearch {
  const types =
    typeof resourceType === 'string' ? [resourceType]
    : resourceType ? [...resourceType]
    : systemTypes(definitions, query);
  const request: SearchRequest = {
    resourceTypes: types,
    filters: [],
    sort: [],
    count: options.defaultCount ?? DEFAULT_COUNT,
    offset: 0,
    total: 'none',
  };
  const unknown: string[] = [];
  const baseUrl = options.baseUrl?.replace(/\/+$/, '');
  let includesSent = 0;
  let valuesSent = 0;
  let codesSent = 0;
  const addFilter = (filter: SearchFilter, key: string) => {
    request.filters.push(filter);
    checkLimit('maxParameters', request.filters.length, key);
    valuesSent += filter.values.length;
    checkLimit('maxValues', valuesSent, key);
    codesSent += expandedCodes(filter.values);
    checkLimit('maxExpandedCodes', codesSent, key);
  };

  for (const [key, raw] of entries(query)) {
    if (RESULT_PARAMETERS.has(key)) continue;
    switch (key) {
      case '_count':
        request.count = Math.min(nonNegativeInt(key, raw), options.maxCount ?? MAX_COUNT);
        continue;
      case '_offset':
        request.offset = nonNegativeInt(key, raw);
        continue;
      case '_total':
        if (raw !== 'none' && raw !== 'estimate' && raw !== 'accurate') {
          throw badRequest(`_total must be none, estimate or accurate`, key);
        }
        request.total = raw;
        continue;
      case '_sort':
        request.sort = parseSort(definitions, types, request.sort, raw);
        continue;
    }
    if (raw === '') continue;
    const base = key.split(':')[0];
    if (base === '_include' || base === '_revinclude') {
      includesSent += raw.split(',').filter(Boolean).length;
      checkLimit('maxIncludes', includesSent, key);
      const rules = parseIncludeRules(definitions, types, key, raw);
      if (base === '_include') (request.include ??= []).push(...rules);
      else (request.revinclude ??= []).push(...rules);
      continue;
    }
    if (base === '_list') {
      addFilter(listFilter(definitions, raw), key);
      continue;
    }
    const resolved = UNSUPPORTED_PARAMETERS.has(base) ? undefined : resolveParameter(definitions, types, key);
    if (!resolved || !PARSERS[resolved.param.type]) {
      unknown.push(key);
      continue;
    }
    const { code, param, modifier } = resolved;
    checkModifier(definitions, key, param, modifier, code);
    const context: ValueContext = {
      name: key, param, modifier, baseUrl, isResourceType: (t) => definitions.isResourceType(t),
    };
    const parse = (v: string): SearchValue => {
      if (param.type === 'composite') return parseComposite(definitions, v, context, PARSERS);
      if (param.type === 'token' && modifier && TERMINOLOGY_MODIFIERS.has(modifier)) {
        const token = modifier === 'in' || modifier === 'not-in' ? undefined : parseToken(v, { ...context, modifier: undefined });
        const [system, tokenCode] = token?.kind === 'token' ? [token.system, token.code] : [undefined, undefined];
        const terminology = options.terminology ?? defaultTerminology(definitions);
        return { kind: 'codes', codes: resolveCodes(terminology, key, modifier, system, tokenCode, v) };
      }
      return PARSERS[param.type](v, context);
    };
    const parts = modifier === 'missing' ? [raw] : splitOr(raw).filter((v) => v !== '');
    checkLimit('maxOrValues', parts.length, key);
    const values = modifier === 'missing' ? [parseMissing(raw, context)] : parts.map(parse);
    if (values.length === 0) continue;
    const filter: SearchFilter = { code, param, values };
    if (modifier !== undefined) filter.modifier = modifier;
    if (resolved.chain.length > 0) filter.chain = resolved.chain;
    addFilter(filter, key);
  }
  return { request, unknown };
}

function* entries(query: URLSearchParams | Record<string, string | string[] | undefined>): Generator<[string, string]> {
  if (query instanceof URLSearchParams) {
    for (const [k, v] of query) yield [k, v];
    return;
  }
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) yield [k, one];
  }
}

/** System-level search: the types named by `_type` (comma-separated, repeatable), or every type. */
function systemTypes(
  definitions: Definitions, query: URLSearchParams | Record<string, string | string[] | undefined>,
): string[] {
  const named = [...entries(query)].filter(([k]) => k === '_type').flatMap(([, v]) => v.split(','));
  const types = named.map((t) => t.trim()).filter(Boolean);
  for (const t of types) if (!definitions.isResourceType(t)) throw badRequest(`_type: unknown type '${t}'`, '_type');
  return types.length > 0 ? [...new Set(types)] : [...definitions.resourceTypes];
}

function nonNegativeInt(name: string, raw: string): number {
  if (!/^\d{1,9}$/.test(raw)) throw badRequest(`${name} must be a non-negative integer, got '${raw}'`, name);
  return Number(raw);
}

function checkModifier(
  definitions: Definitions, key: string, param: SearchParameter, modifier: string | undefined, code: string,
): void {
  if (modifier === undefined) return;
  if (MODIFIERS[param.type]?.has(modifier)) {
    // :missing is allowed on every parameter (R4 3.1.1.5.1); _id and _lastUpdated are never missing.
    if ((code === '_id' || code === '_lastUpdated') && modifier !== 'not' && modifier !== 'missing') {
      throw badRequest(`${key}: modifier :${modifier} is not supported on ${code}`, key);
    }
    return;
  }
  if (param.type === 'reference' && definitions.isResourceType(modifier)) {
    const targets = param.target ?? [];
    if (targets.length === 0 || targets.includes(modifier as never)) return;
    throw badRequest(`${key}: ${modifier} is not a target type of ${code}`, key);
  }
  throw badRequest(`${key}: unknown or unsupported modifier :${modifier} for a ${param.type} parameter`, key);
}

/**
 * `_sort` keys appended to `sort` (the parameter may repeat). A key named twice is refused: the second
 * occurrence can never change the order, and each key costs a join.
 */
function parseSort(definitions: Definitions, types: string[], sort: SortRule[], raw: string): SortRule[] {
  const items = raw.split(',');
  checkLimit('maxSortKeys', sort.length + items.length, '_sort');
  const seen = new Set(sort.map((r) => r.code));
  return [...sort, ...items.map((item) => {
    const descending = item.startsWith('-');
    const code = descending ? item.slice(1) : item;
    if (seen.has(code)) throw badRequest(`_sort: '${code}' is named more than once`, '_sort');
    seen.add(code);
    if (code === '_id' || code === '_lastUpdated') return { code, descending };
    const param = commonParameter(definitions, types, code);
    if (!param || !PARSERS[param.type] || param.type === 'composite') throw badRequest(`_sort: cannot sort on '${code}'`, '_sort');
    return { code, descending };
  })];
}

/** `_list=id`: the resources a List's `item` references, i.e. `_has:List:item:_id=id`. */
function listFilter(definitions: Definitions, raw: string): SearchFilter {
  const item = definitions.searchParameter('List', 'item');
  const id = definitions.searchParameter('List', '_id');
  if (!item || !id) throw badRequest('_list is not available', '_list');
  if (!/^[A-Za-z0-9\-.]{1,64}$/.test(raw)) throw badRequest(`_list: malformed List id '${raw}'`, '_list');
  return {
    code: '_id', param: id, values: [{ kind: 'token', code: raw }],
    chain: [{ direction: 'reverse', resourceType: 'List', code: 'item', param: item }],
  };
}
