import type { ElementDefinition } from '@medplum/fhirtypes';

/** The fixed[x] or pattern[x] value an element definition carries, if any. */
export function fixedOrPattern(element: ElementDefinition): { kind: 'fixed' | 'pattern'; value: unknown } | undefined {
  for (const [key, value] of Object.entries(element)) {
    if (key.startsWith('fixed')) return { kind: 'fixed', value };
    if (key.startsWith('pattern')) return { kind: 'pattern', value };
  }
  return undefined;
}

/** The values at a dotted path below a JSON item (arrays flattened); '' is the item itself. */
export function valueAt(item: unknown, path: string): unknown[] {
  let current: unknown[] = [item];
  if (path === '') return current;
  for (const segment of path.split('.')) {
    const next: unknown[] = [];
    for (const c of current) {
      if (typeof c !== 'object' || c === null) continue;
      const v = (c as Record<string, unknown>)[segment];
      if (Array.isArray(v)) next.push(...v);
      else if (v !== undefined) next.push(v);
    }
    current = next;
  }
  return current;
}
