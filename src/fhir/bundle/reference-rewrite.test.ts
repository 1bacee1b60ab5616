import { FhirError } from '../../kernel/errors';
import type { PlannedEntry } from './bundle-plan';
import { rewriteEntryReferences, rewriteStrings } from './reference-rewrite';

/**
 * The straightforward walk rewriteStrings replaced (it built every path up front): the visits, their keys,
 * paths and order must stay the same, since the first problem found is the one reported.
 */
function referenceWalk(root: unknown, visit: (value: string, key: string, path: string) => string | undefined): void {
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

/** A deterministic JSON generator with FHIR-like and odd keys (dots, brackets, empty), nested arrays. */
function generate(seed: number): unknown {
  let s = seed;
  const next = (n: number) => ((s = (s * 1103515245 + 12345) % 2147483648) >>> 16) % n;
  const KEYS = ['reference', 'div', 'name', 'given', 'a.b', 'x[0]', '', 'c]', 'url', 'value', 'x.reference', 'reference[1]'];
  const make = (depth: number): unknown => {
    const kind = depth > 5 ? next(3) : next(6);
    if (kind === 0) return `urn:uuid:${next(4)}`;
    if (kind === 1) return next(10);
    if (kind === 2) return next(2) === 0 ? 'text' : null;
    if (kind === 3) return Array.from({ length: next(4) }, () => make(depth + 1));
    const o: Record<string, unknown> = {};
    for (let i = next(5); i > 0; i--) o[KEYS[next(KEYS.length)]] = make(depth + 1);
    return o;
  };
  return make(0);
}

describe('rewriteStrings', () => {
  it('visits the same strings, with the same keys and paths, in the same order as the plain walk', () => {
    for (let seed = 1; seed <= 500; seed++) {
      const doc = generate(seed);
      const ours: string[] = [];
      const theirs: string[] = [];
      // Replacing some values must change what later visits see in the same way too.
      const replace = (value: string) => (value.endsWith('1') ? 'Patient/1' : undefined);
      const a = structuredClone(doc);
      const b = structuredClone(doc);
      rewriteStrings(a, (value, key, path) => (ours.push(`${path} ${key} ${value}`), replace(value)));
      referenceWalk(b, (value, key, path) => (theirs.push(`${path} ${key} ${value}`), replace(value)));
      expect(ours).toEqual(theirs);
      expect(a).toEqual(b);
    }
  });

  it('rewriteEntryReferences (paths built only for errors) rewrites and refuses as the plain walk would', () => {
    const identities = new Map([['urn:uuid:1', 'Patient/1']]);
    for (let seed = 1; seed <= 500; seed++) {
      const doc = generate(seed);
      const expected = structuredClone(doc);
      let expectedError: string | undefined;
      try {
        referenceWalk(expected, (value, key, path) => {
          const direct = identities.get(value);
          if (direct !== undefined) return direct;
          if (key === 'reference' && value.startsWith('urn:uuid:')) throw new Error(path);
          return undefined;
        });
      } catch (e) {
        expectedError = `Bundle.entry[0].resource${(e as Error).message}`;
      }
      const entry = { index: 0, method: 'POST', url: 'Basic', resource: doc } as unknown as PlannedEntry;
      let error: string | undefined;
      try {
        rewriteEntryReferences(entry, identities);
      } catch (e) {
        error = (e as FhirError).issues[0].expression?.[0];
      }
      expect(error).toEqual(expectedError);
      if (!expectedError) expect(doc).toEqual(expected);
    }
  });

  it('gives the items of arrays the key of the member holding them', () => {
    const seen: string[] = [];
    rewriteStrings({ name: [{ given: ['a', 'b'] }], x: [['c']] }, (value, key, path) => {
      seen.push(`${value} ${key} ${path}`);
      return undefined;
    });
    expect(seen.sort()).toEqual(['a given .name[0].given[0]', 'b given .name[0].given[1]', 'c x .x[0][0]']);
  });
});
