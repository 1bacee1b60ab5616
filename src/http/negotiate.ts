import { notAcceptable } from '../kernel/errors';

const JSON_FORMATS = new Set(['json', 'application/json', 'application/fhir+json', 'application/json+fhir']);

/**
 * Checks `_format` and Accept: JSON (any of its FHIR spellings) is served, XML and anything else answer 406.
 */
export function negotiate(query: URLSearchParams, accept: string | undefined): void {
  const format = query.get('_format');
  if (format !== null) {
    const base = format.split(';')[0].trim().toLowerCase();
    if (!JSON_FORMATS.has(base)) throw notAcceptable(`_format '${format.slice(0, 60)}' is not supported; only JSON is`);
    return;
  }
  if (accept === undefined || accept === '') return;
  const ranges = accept.split(',').map((r) => r.split(';')[0].trim().toLowerCase());
  const ok = ranges.some((r) => r === '*/*' || r === 'application/*' || r.includes('json') || r === 'text/html' || r === 'text/*');
  if (!ok) throw notAcceptable(`None of '${accept.slice(0, 100)}' can be produced; only JSON is supported`);
}
