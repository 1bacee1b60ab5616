import type { SearchParameter } from '@medplum/fhirtypes';
import { badRequest } from '../../kernel/errors';
import { parseDateRange } from './date-range';
import { precision } from './extract-values';
import { normalizeString } from './normalize';
import type { SearchPrefix, SearchValue } from './search-request';

const PREFIXES = new Set<SearchPrefix>(['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap']);
const ID_RE = /^[A-Za-z0-9\-.]{1,64}$/;
const LOCAL_RE = /^([A-Z][A-Za-z]+)\/([^/]+)(?:\/_history\/[^/]+)?$/;
const NUMBER_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Splits on a separator not preceded by a backslash, then unescapes `\,` `\|` `\$` `\\`. */
export function splitEscaped(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && i + 1 < text.length) {
      current += text[++i];
    } else if (c === separator) {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  return parts;
}

/** Splits a raw value into its OR parts: commas not escaped. Each part keeps its other escapes. */
export function splitOr(raw: string): string[] {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === '\\') i++;
    else if (raw[i] === ',') {
      parts.push(raw.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(raw.slice(start));
  return parts;
}

const unescape = (s: string) => s.replace(/\\(.)/g, '$1');

export interface ValueContext {
  name: string;
  param: SearchParameter;
  modifier?: string;
  isResourceType(type: string): boolean;
  baseUrl?: string;
}

export function parseString(raw: string, c: ValueContext): SearchValue {
  const value = unescape(raw);
  if (c.modifier === 'exact') return { kind: 'string', value };
  return { kind: 'string', value: matchable(value, c) };
}

/**
 * The normalised form of a string value, refused when nothing is left (`-`, `%`, `.`, spaces): such a value
 * would be a prefix of every string and match every resource, and a conditional delete would take them all.
 */
function matchable(value: string, c: ValueContext): string {
  const normalized = normalizeString(value);
  if (normalized === '') {
    throw badRequest(`${c.name}: '${value.slice(0, 40)}' has no letter or digit to search for`, c.name);
  }
  return normalized;
}

export function parseToken(raw: string, c: ValueContext): SearchValue {
  if (c.modifier === 'text') {
    const text = unescape(raw);
    matchable(text, c);
    return { kind: 'token', code: text };
  }
  const parts = splitEscaped(raw, '|');
  if (c.modifier === 'of-type') {
    if (parts.length !== 3 || parts.some((p) => p === '')) {
      throw badRequest(`${c.name}: :of-type expects system|code|value, got '${raw}'`, c.name);
    }
    return { kind: 'token', system: parts[0], code: `${parts[1]}|${parts[2]}` };
  }
  if (parts.length === 1) return { kind: 'token', code: parts[0] };
  if (parts.length > 2) throw badRequest(`${c.name}: a token has at most one unescaped '|': '${raw}'`, c.name);
  const [system, code] = parts;
  if (code === '') return { kind: 'token', system };
  return { kind: 'token', system, code };
}

export function parseReference(raw: string, c: ValueContext): SearchValue {
  if (c.modifier === 'identifier') return parseToken(raw, { ...c, modifier: undefined });
  const value = unescape(raw);
  const typeModifier = c.modifier && c.modifier !== 'missing' ? c.modifier : undefined;
  const allowed = c.param.target;
  const check = (type: string) => {
    if (typeModifier && type !== typeModifier) {
      throw badRequest(`${c.name}: '${value}' is not a ${typeModifier} reference`, c.name);
    }
    if (allowed && allowed.length > 0 && !allowed.includes(type as never)) {
      throw badRequest(`${c.name}: ${type} is not a target of this parameter`, c.name);
    }
  };
  if (c.baseUrl && value.startsWith(c.baseUrl + '/')) {
    return parseReference(value.slice(c.baseUrl.length + 1).replace(/[\\,|$]/g, '\\$&'), c);
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(value)) {
    const bar = value.indexOf('|');
    return bar >= 0
      ? { kind: 'reference', url: value.slice(0, bar), version: value.slice(bar + 1) }
      : { kind: 'reference', url: value };
  }
  const local = LOCAL_RE.exec(value);
  if (local) {
    if (!c.isResourceType(local[1]) || !ID_RE.test(local[2])) {
      throw badRequest(`${c.name}: malformed reference '${value}'`, c.name);
    }
    check(local[1]);
    return { kind: 'reference', targetType: local[1], id: local[2] };
  }
  if (!ID_RE.test(value)) throw badRequest(`${c.name}: malformed reference '${value}'`, c.name);
  if (typeModifier) check(typeModifier);
  return typeModifier ? { kind: 'reference', targetType: typeModifier, id: value } : { kind: 'reference', id: value };
}

function splitPrefix(raw: string, c: ValueContext): [SearchPrefix, string] {
  const m = /^([a-z]{2})(.*)$/.exec(raw);
  if (!m) return ['eq', raw];
  if (!PREFIXES.has(m[1] as SearchPrefix)) throw badRequest(`${c.name}: unknown prefix '${m[1]}'`, c.name);
  return [m[1] as SearchPrefix, m[2]];
}

export function parseDate(raw: string, c: ValueContext): SearchValue {
  const [prefix, text] = splitPrefix(unescape(raw), c);
  const range = parseDateRange(text);
  if (!range) throw badRequest(`${c.name}: invalid date '${text}'`, c.name);
  return { kind: 'date', prefix, low: range.low, high: range.high };
}

export function parseNumber(raw: string, c: ValueContext): SearchValue {
  const [prefix, text] = splitPrefix(unescape(raw), c);
  if (!NUMBER_RE.test(text)) throw badRequest(`${c.name}: invalid number '${text}'`, c.name);
  const value = Number(text);
  return { kind: 'number', prefix, value, ...precision(value, text) };
}

export function parseQuantity(raw: string, c: ValueContext): SearchValue {
  const parts = splitEscaped(raw, '|');
  if (parts.length !== 1 && parts.length !== 3) {
    throw badRequest(`${c.name}: a quantity is number or number|system|code, got '${raw}'`, c.name);
  }
  const [prefix, text] = splitPrefix(parts[0], c);
  if (!NUMBER_RE.test(text)) throw badRequest(`${c.name}: invalid quantity '${text}'`, c.name);
  const value = Number(text);
  const result: SearchValue = { kind: 'quantity', prefix, value, ...precision(value, text) };
  if (parts.length === 3) {
    if (parts[1] !== '') result.system = parts[1];
    if (parts[2] !== '') result.code = parts[2];
  }
  return result;
}

export function parseUri(raw: string): SearchValue {
  return { kind: 'uri', value: unescape(raw) };
}

export function parseMissing(raw: string, c: ValueContext): SearchValue {
  if (raw !== 'true' && raw !== 'false') throw badRequest(`${c.name}: :missing expects true or false`, c.name);
  return { kind: 'missing', missing: raw === 'true' };
}
