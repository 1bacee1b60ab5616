import { REDACTED, redactIdentifiersInText } from '../../kernel/redact-text';

/**
 * Search parameters whose values identify a person (identifiers such as the INS or an IPP, names, birth
 * date, contact details, free text): their values never reach the logs.
 */
const IDENTIFYING = new Set([
  'identifier', 'accession', 'family', 'given', 'name', 'phonetic', 'birthdate', 'death-date', 'telecom', 'phone',
  'email', 'address', 'address-city', 'address-country', 'address-postalcode', 'address-state', 'address-use',
  '_content', '_text', '_filter',
]);

/** The parameter a (possibly chained, modified or _has) query name searches on: `subject:Patient.identifier` is identifier. */
function searchedParameter(name: string): string {
  const last = name.split('.').at(-1) ?? name;
  const parts = last.split(':');
  return parts[0] === '_has' ? (parts.at(-1) ?? '') : parts[0];
}

/** A token keeps its system (`urn:oid:...|[redacted]`); any other value is redacted whole. */
function redactValue(value: string): string {
  return value
    .split(',')
    .map((v) => (v.includes('|') ? `${v.slice(0, v.lastIndexOf('|') + 1)}${REDACTED}` : REDACTED))
    .join(',');
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/**
 * A request URL (or a Bundle entry's request.url) as it may be logged: the values of identifying search
 * parameters replaced by [redacted] (`identifier=urn:oid:1.2.250.1.213.1.4.8|[redacted]`, `family=[redacted]`),
 * and any NIR / NIA shaped number elsewhere too.
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return redactIdentifiersInText(url);
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair;
      const name = pair.slice(0, eq);
      return IDENTIFYING.has(searchedParameter(decode(name))) ? `${name}=${redactValue(decode(pair.slice(eq + 1)))}` : pair;
    })
    .join('&');
  return redactIdentifiersInText(`${url.slice(0, q)}?${query}`);
}
