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

/** A container being walked: where it is, built into a path string only when one is asked for. */
interface Frame {
  node: Record<string, unknown> | unknown[];
  parent: Frame | undefined;
  /** The key (object member) or index (array item) of this container in its parent. */
  slot: string | number;
  /** The object key the strings of this container belong to: its own key, or for an array item the key of
   *  the nearest object member above the arrays (`given` for the strings of `name[0].given`). */
  key: string;
  path?: string;
}

function framePath(frame: Frame): string {
  if (frame.path !== undefined) return frame.path;
  const unbuilt: Frame[] = [];
  let f: Frame | undefined = frame;
  for (; f && f.path === undefined; f = f.parent) unbuilt.push(f);
  let path = f?.path ?? '';
  for (let i = unbuilt.length - 1; i >= 0; i--) {
    const u = unbuilt[i];
    path = u.parent === undefined ? '' : typeof u.slot === 'number' ? `${path}[${u.slot}]` : `${path}.${u.slot}`;
    u.path = path;
  }
  return path;
}

/** The path of a member of a container (`.subject.reference`, `.name[0].given[1]`). */
function slotPath(frame: Frame, slot: string | number): string {
  return typeof slot === 'number' ? `${framePath(frame)}[${slot}]` : `${framePath(frame)}.${slot}`;
}

/** The key of the strings of an array held by member `key`, as its path says it: `key` itself unless it
 *  holds '.' or '[' (no FHIR key does), then the last `.name` of the path. */
function arrayItemsKey(key: string, path: () => string): string {
  if (!key.includes('.') && !key.includes('[')) return key;
  return /\.([^.[]+)(\[\d+\])*$/.exec(path())?.[1] ?? '';
}

type StringVisitor = (value: string, key: string, frame: Frame, slot: string | number) => string | undefined;

/**
 * Visits every string of a JSON value, however deep, without recursion (so a hostile nesting depth cannot
 * exhaust the stack), members in order, then the containers met, last met first. No path string is built
 * unless the visitor asks for one (slotPath): walking is most of the cost of rewriting.
 */
function walkStrings(root: unknown, visit: StringVisitor): void {
  if (typeof root !== 'object' || root === null) return;
  const stack: Frame[] = [{ node: root as Frame['node'], parent: undefined, slot: '', key: '', path: '' }];
  while (stack.length > 0) {
    const frame = stack.pop() as Frame;
    const node = frame.node;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const value: unknown = node[i];
        if (typeof value === 'string') {
          const replacement = visit(value, frame.key, frame, i);
          if (replacement !== undefined) node[i] = replacement;
        } else if (typeof value === 'object' && value !== null) {
          stack.push({ node: value as Frame['node'], parent: frame, slot: i, key: frame.key });
        }
      }
      continue;
    }
    for (const key of Object.keys(node)) {
      const value = node[key];
      if (typeof value === 'string') {
        const replacement = visit(value, key, frame, key);
        if (replacement !== undefined) node[key] = replacement;
      } else if (typeof value === 'object' && value !== null) {
        const itemsKey = Array.isArray(value) ? arrayItemsKey(key, () => slotPath(frame, key)) : key;
        stack.push({ node: value as Frame['node'], parent: frame, slot: key, key: itemsKey });
      }
    }
  }
}

/**
 * Visits every string of a JSON value, however deep, without recursion (so a hostile nesting depth cannot
 * exhaust the stack). `visit` returns a replacement or undefined to keep the value; `key` is the object key
 * the string is under (for an array item, the array's), `path` where it is (`.subject.reference`).
 */
export function rewriteStrings(root: unknown, visit: (value: string, key: string, path: string) => string | undefined): void {
  // Every visit gets its path here: a plain walk carrying path strings costs less than frames.
  const stack: { node: Record<string, unknown> | unknown[]; path: string; key: string }[] = [];
  if (typeof root === 'object' && root !== null) stack.push({ node: root as Record<string, unknown>, path: '', key: '' });
  while (stack.length > 0) {
    const { node, path, key: itemsKey } = stack.pop() as (typeof stack)[number];
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const value: unknown = node[i];
        if (typeof value === 'string') {
          const replacement = visit(value, itemsKey, `${path}[${i}]`);
          if (replacement !== undefined) node[i] = replacement;
        } else if (typeof value === 'object' && value !== null) {
          stack.push({ node: value as Record<string, unknown>, path: `${path}[${i}]`, key: itemsKey });
        }
      }
      continue;
    }
    for (const key of Object.keys(node)) {
      const value = node[key];
      const childPath = `${path}.${key}`;
      if (typeof value === 'string') {
        const replacement = visit(value, key, childPath);
        if (replacement !== undefined) node[key] = replacement;
      } else if (typeof value === 'object' && value !== null) {
        const arrayKey = Array.isArray(value) ? arrayItemsKey(key, () => childPath) : key;
        stack.push({ node: value as Record<string, unknown>, path: childPath, key: arrayKey });
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
  walkStrings(entry.resource, (value, key, frame, slot) => {
    const direct = identities.get(value);
    if (direct !== undefined) return direct;
    if (key === 'reference' && value.startsWith('urn:uuid:')) throw unknownUrn(entry, value, slotPath(frame, slot));
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
