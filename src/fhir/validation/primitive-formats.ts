/**
 * Checks of FHIR R4 primitive values in their JSON form, with the regular expressions of the R4
 * specification (datatypes.html). Returns a diagnostics message when the value is invalid, undefined when it
 * is valid.
 */

/** Longest string accepted in any primitive except base64Binary and xhtml (bounded by the body limit). */
export const MAX_STRING_LENGTH = 1024 * 1024;

const YEAR = '([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)';
const MONTH = '(0[1-9]|1[0-2])';
const DAY = '(0[1-9]|[1-2][0-9]|3[0-1])';
const TIME = '([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]+)?';
const ZONE = '(Z|(\\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))';

const DATE = new RegExp(`^${YEAR}(-${MONTH}(-${DAY})?)?$`);
const DATE_TIME = new RegExp(`^${YEAR}(-${MONTH}(-${DAY}(T${TIME}${ZONE})?)?)?$`);
const INSTANT = new RegExp(`^${YEAR}-${MONTH}-${DAY}T${TIME}${ZONE}$`);
const TIME_ONLY = new RegExp(`^${TIME}$`);
// The R4 regexes use XML Schema's \s, which is only space, tab, CR and LF (not e.g. a no-break space).
const CODE = /^[^ \t\r\n]+([ \t\r\n][^ \t\r\n]+)*$/;
const ID = /^[A-Za-z0-9\-.]{1,64}$/;
const URI = /^[^ \t\r\n]+$/;
// CODE and URI without control characters: [^\x00-\x20] is "neither a control character nor XML space".
/* eslint-disable no-control-regex -- excluding control characters is the point */
const CODE_ACCEPT = /^[^\x00-\x20]+([ \t\r\n][^\x00-\x20]+)*$/;
const URI_ACCEPT = /^[^\x00-\x20]+$/;
/* eslint-enable no-control-regex */
const OID = /^urn:oid:[0-2](\.(0|[1-9][0-9]*))+$/;
const UUID = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const BASE64 = /^[A-Za-z0-9+/=\s]*$/;
// Control characters other than tab, line feed and carriage return are not allowed in FHIR strings.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/;

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** `text`: a number's JSON text, when a JS number would print it differently (`1.0`, `1e2`). */
type Check = (value: unknown, text?: string) => string | undefined;

/** FHIR's integer syntax: no fraction, no exponent, no leading zero. */
const INTEGER_TEXT = /^-?(0|[1-9][0-9]*)$/;

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The regexes accept 2023-02-31; the calendar does not. */
function calendarError(value: string): string | undefined {
  if (value.length < 10) return undefined;
  const year = Number(value.slice(0, 4));
  const month = Number(value.slice(5, 7));
  const day = Number(value.slice(8, 10));
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const max = month === 2 && !leap ? 28 : DAYS_IN_MONTH[month - 1];
  return day > max ? `'${value}' is not a valid calendar date` : undefined;
}

/**
 * `accept`, when given, is a regex that matches exactly the values that pass both the control character rule
 * and `pattern`: a valid value then costs one regex run instead of two, and only a rejected one is looked at
 * again to say which rule it breaks.
 */
function stringCheck(type: string, pattern?: RegExp, extra?: (v: string) => string | undefined, accept?: RegExp): Check {
  return (value) => {
    if (typeof value !== 'string') return `A ${type} must be a JSON string, not ${jsonTypeOf(value)}`;
    if (value.length === 0) return `A ${type} must not be an empty string`;
    if (value.length > MAX_STRING_LENGTH && type !== 'base64Binary' && type !== 'xhtml') {
      return `The ${type} is ${value.length} characters long; the limit is ${MAX_STRING_LENGTH}`;
    }
    if (accept?.test(value)) return extra?.(value);
    if (type !== 'base64Binary' && CONTROL.test(value)) return `The ${type} contains a control character`;
    if (pattern && !pattern.test(value)) return `'${preview(value)}' is not a valid ${type}`;
    return extra?.(value);
  };
}

/** A pattern that admits no control character: it is its own `accept`. */
function strictCheck(type: string, pattern: RegExp, extra?: (v: string) => string | undefined): Check {
  return stringCheck(type, pattern, extra, pattern);
}

function integerCheck(type: string, min: number): Check {
  return (value, text) => {
    if (typeof value !== 'number') return `A ${type} must be a JSON number, not ${jsonTypeOf(value)}`;
    if (!Number.isInteger(value)) return `${value} is not a valid ${type} (not a whole number)`;
    if (value < min || value > INT32_MAX) return `${text ?? value} is out of range for a ${type}`;
    if (text !== undefined && !INTEGER_TEXT.test(text)) return `${text.slice(0, 40)} is not a valid ${type} (written with a fraction or exponent)`;
    return undefined;
  };
}

function base64Error(value: string): string | undefined {
  return value.replace(/\s/g, '').length % 4 === 0 ? undefined : 'The base64Binary length is not a multiple of 4';
}

const CHECKS: ReadonlyMap<string, Check> = new Map<string, Check>([
  ['boolean', (v) => (typeof v === 'boolean' ? undefined : `A boolean must be true or false, not ${jsonTypeOf(v)}`)],
  ['integer', integerCheck('integer', INT32_MIN)],
  ['unsignedInt', integerCheck('unsignedInt', 0)],
  ['positiveInt', integerCheck('positiveInt', 1)],
  [
    'decimal',
    (v) =>
      typeof v !== 'number' ? `A decimal must be a JSON number, not ${jsonTypeOf(v)}` : Number.isFinite(v) ? undefined : 'Not a finite decimal',
  ],
  ['string', stringCheck('string')],
  ['markdown', stringCheck('markdown')],
  ['code', stringCheck('code', CODE, undefined, CODE_ACCEPT)],
  ['id', strictCheck('id', ID)],
  ['uri', stringCheck('uri', URI, undefined, URI_ACCEPT)],
  ['url', stringCheck('url', URI, undefined, URI_ACCEPT)],
  ['canonical', stringCheck('canonical', URI, undefined, URI_ACCEPT)],
  ['oid', strictCheck('oid', OID)],
  ['uuid', strictCheck('uuid', UUID)],
  ['date', strictCheck('date', DATE, calendarError)],
  ['dateTime', strictCheck('dateTime', DATE_TIME, calendarError)],
  ['instant', strictCheck('instant', INSTANT, calendarError)],
  ['time', strictCheck('time', TIME_ONLY)],
  ['base64Binary', stringCheck('base64Binary', BASE64, base64Error)],
  ['xhtml', stringCheck('xhtml', undefined, xhtmlError)],
]);

/** Narrative.div: the full XHTML rules are out of scope; the root element and namespace are checked. */
function xhtmlError(value: string): string | undefined {
  const open = /^\s*<div(\s[^>]*)?>/.exec(value);
  if (!open) return 'The narrative must be an XHTML <div> element';
  if (!/xmlns\s*=\s*["']http:\/\/www\.w3\.org\/1999\/xhtml["']/.test(open[1] ?? '')) {
    return 'The narrative <div> must declare the XHTML namespace xmlns="http://www.w3.org/1999/xhtml"';
  }
  return undefined;
}

export function isPrimitiveType(type: string): boolean {
  return CHECKS.has(type);
}

/** Undefined when `value` is a valid JSON representation of the primitive `type`, else why it is not. */
export function primitiveError(type: string, value: unknown, numberText?: string): string | undefined {
  const check = CHECKS.get(type);
  return check ? check(value, numberText) : undefined;
}

export function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

function preview(value: string): string {
  return value.length > 80 ? `${value.slice(0, 77)}...` : value;
}
