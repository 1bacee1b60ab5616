import { FhirError, issue } from '../../kernel/errors';
import type { PlannedEntry } from './bundle-plan';
import { entryLabel } from './bundle-plan';

/** Bundle-local identifiers (urn:uuid:, urn:oid:, or any POSTed fullUrl) mapped to their server "Type/id". */
export type IdentityMap = Map<string, string>;

const NARRATIVE_LINK = /(href|src)\s*=\s*"([^"]*)"/g;

function unknownUrn(entry: PlannedEntry, reference: string, where: string): FhirError {
  return new FhirError(400, [
    issue('invalid', `${entryLabel(entry)}: reference "${reference}" matches no fullUrl in this Bundle`, `Bundle.entry[${entry.index}].resource${where}`),
  ]);
}

/**
 * Visits every string of a JSON value, however deep, without recursion (so a hostile nesting depth cannot
 * exhaust the stack). `visit` returns a replacement or undefined to keep the value.
 */
export function rewriteStrings(root: unknown, visit: (value: string, key: string, path: string) => string | undefined): void {
  const stack: { node: Record<string, unknown> | unknown[]; path: string }[] = [];
  if (typeof root === 'object' && root !== null) stack.push({ node: root as Record<string, unknown>, path: '' });
  while (stack.length > 0) {
    const { node, path } = stack.pop() as (typeof stack)[number];
    const isArray = Array.isArray(node);
    for (const key of Object.keys(node)) {
      const value = (node as Record<string, unknown>)[key];
      const childPath = isArray ? `${path}[${key}]` : `${path}.${key}`;
      if (typeof value === 'string') {
        const parentKey = isArray ? (/\.([^.[]+)(\[\d+\])*$/.exec(path)?.[1] ?? '') : key;
        const replacement = visit(value, parentKey, childPath);
        if (replacement !== undefined) (node as Record<string, unknown>)[key] = replacement;
      } else if (typeof value === 'object' && value !== null) {
        stack.push({ node: value as Record<string, unknown>, path: childPath });
      }
    }
  }
}

/**
 * Replaces, in an entry's resource, every value equal to a Bundle-local fullUrl by the server identity:
 * Reference.reference, uri/url/canonical/oid/uuid elements (Attachment.url...), and href/src links of the
 * narrative, as R4 (bundle.html, "Resolving references in Bundles") asks. A `reference` to an urn:uuid:
 * that no entry declares is an error: it could never be resolved later.
 */
export function rewriteEntryReferences(entry: PlannedEntry, identities: IdentityMap): void {
  if (!entry.resource) return;
  rewriteStrings(entry.resource, (value, key, path) => {
    const direct = identities.get(value);
    if (direct !== undefined) return direct;
    if (key === 'reference' && value.startsWith('urn:uuid:')) throw unknownUrn(entry, value, path);
    if (key === 'div' && value.includes('urn:')) {
      return value.replace(NARRATIVE_LINK, (match, attr: string, target: string) => {
        const mapped = identities.get(target);
        return mapped === undefined ? match : `${attr}="${mapped}"`;
      });
    }
    return undefined;
  });
}

/** Rewrites Bundle-local identities used as search values in an entry's URL (e.g. Observation?subject=urn:uuid:...). */
export function rewriteEntryQuery(entry: PlannedEntry, identities: IdentityMap): void {
  const rewrite = (query: URLSearchParams): URLSearchParams => {
    const out = new URLSearchParams();
    for (const [name, value] of query) {
      out.append(name, value.split(',').map((v) => identities.get(v) ?? v).join(','));
    }
    return out;
  };
  entry.query = rewrite(entry.query);
  const ifNoneExist = entry.headers['if-none-exist'];
  if (ifNoneExist) entry.headers['if-none-exist'] = rewrite(new URLSearchParams(ifNoneExist.replace(/^[^?]*\?/, ''))).toString();
}
