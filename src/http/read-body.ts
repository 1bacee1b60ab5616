import type { Request } from 'express';
import { badRequest, tooLarge, unsupportedMediaType } from '../kernel/errors';
import { parseSafeJson } from './safe-json';

const JSON_TYPES = new Set(['application/fhir+json', 'application/json', 'application/json+fhir']);
const XML_TYPES = new Set(['application/fhir+xml', 'application/xml', 'text/xml', 'application/xml+fhir']);

/**
 * Reads and parses a request body: JSON (FHIR JSON, JSON Patch for PATCH) or form parameters (for POST
 * _search, returned as URLSearchParams). Refuses bodies over `limit` bytes (413), other media types (415),
 * JSON that is malformed, too deep, carries prototype keys, or is not an object (arrays only for JSON Patch).
 */
export async function readBody(req: Request, limit: number): Promise<unknown> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    req.resume();
    throw tooLarge(`Request body over ${limit} bytes`);
  }
  if (declared === '0' || (declared === undefined && req.headers['transfer-encoding'] === undefined)) return undefined;
  const mediaType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  const isPatch = mediaType === 'application/json-patch+json';
  const isForm = mediaType === 'application/x-www-form-urlencoded';
  if (!JSON_TYPES.has(mediaType) && !isPatch && !isForm) {
    req.resume();
    if (XML_TYPES.has(mediaType)) throw unsupportedMediaType('XML is not supported; send application/fhir+json');
    throw unsupportedMediaType(`Unsupported Content-Type '${mediaType.slice(0, 100) || '(none)'}'`);
  }
  if (isPatch && req.method !== 'PATCH') throw unsupportedMediaType('application/json-patch+json is for PATCH only');
  const text = await readText(req, limit);
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

function readText(req: Request, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        chunks.length = 0;
        reject(tooLarge(`Request body over ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', (err) => {
      if (!failed) reject(err);
      failed = true;
    });
  });
}
