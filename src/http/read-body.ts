import type { Request } from 'express';
import { badRequest, tooLarge, unsupportedMediaType } from '../kernel/errors';
import type { ScanBudget } from '../kernel/json/body-budget-scan';
import type { BodyReservation } from './body-budget';
import { bodyDecoder, readBodyText } from './body-bytes';
import { parseSafeJson } from './safe-json';

const JSON_TYPES = new Set(['application/fhir+json', 'application/json', 'application/json+fhir']);
const XML_TYPES = new Set(['application/fhir+xml', 'application/xml', 'text/xml', 'application/xml+fhir']);

/**
 * Reads and parses a request body: JSON (FHIR JSON, JSON Patch for PATCH) or form parameters (for POST
 * _search, returned as URLSearchParams). Refuses bodies over `limit` bytes, compressed or decoded (413),
 * other media types, charsets other than UTF-8 and Content-Encodings it does not decode (415), bytes that
 * are not UTF-8, and JSON that is malformed, too deep, has duplicate or prototype keys, or is not an object
 * (arrays only for JSON Patch) (400).
 * `reservation`: the request's share of the in-flight body budget, grown to the declared and then the
 * decoded size (503 past the budget); the caller releases it when the answer is sent.
 * `budget`: Bundle entries and JSON values per resource, counted before the JSON is parsed (413 past them).
 */
export async function readBody(req: Request, limit: number, reservation?: BodyReservation, budget?: ScanBudget): Promise<unknown> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    req.resume();
    throw tooLarge(`Request body over ${limit} bytes`);
  }
  if (declared === '0' || (declared === undefined && req.headers['transfer-encoding'] === undefined)) return undefined;
  const [typePart, ...params] = (req.headers['content-type'] ?? '').split(';');
  const mediaType = typePart.trim().toLowerCase();
  const isPatch = mediaType === 'application/json-patch+json';
  const isForm = mediaType === 'application/x-www-form-urlencoded';
  let decoder: ReturnType<typeof bodyDecoder>;
  try {
    if (!JSON_TYPES.has(mediaType) && !isPatch && !isForm) {
      if (XML_TYPES.has(mediaType)) throw unsupportedMediaType('XML is not supported; send application/fhir+json');
      throw unsupportedMediaType(`Unsupported Content-Type '${mediaType.slice(0, 100) || '(none)'}'`);
    }
    if (isPatch && req.method !== 'PATCH') throw unsupportedMediaType('application/json-patch+json is for PATCH only');
    checkCharset(params);
    decoder = bodyDecoder(req.headers['content-encoding']);
    if (declared !== undefined) reservation?.cover(Number(declared) || 0);
  } catch (err) {
    req.resume();
    throw err;
  }
  const text = await readBodyText(req, limit, decoder, reservation && ((size) => reservation.cover(size)), isPatch || isForm ? undefined : budget);
  if (text.trim() === '') return undefined;
  if (isForm) return new URLSearchParams(text);
  const value = parseSafeJson(text);
  if (Array.isArray(value)) {
    if (isPatch || req.method === 'PATCH') return value;
    throw badRequest('The body must be a JSON object, not an array');
  }
  if (value === null || typeof value !== 'object') throw badRequest('The body must be a JSON object');
  return value;
}

/** FHIR JSON is UTF-8 (R4 http.html#mime-type): a body declared in another charset is refused, not misread. */
function checkCharset(params: string[]): void {
  for (const param of params) {
    const eq = param.indexOf('=');
    if (eq < 0 || param.slice(0, eq).trim().toLowerCase() !== 'charset') continue;
    const charset = param.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1').toLowerCase();
    if (charset !== 'utf-8' && charset !== 'utf8') {
      throw unsupportedMediaType(`Charset '${charset.slice(0, 40)}' is not supported; send UTF-8`);
    }
  }
}
