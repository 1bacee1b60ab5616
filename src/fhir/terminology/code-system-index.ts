import type { CodeSystem, CodeSystemConcept, CodeSystemConceptDesignation } from '@medplum/fhirtypes';

export interface IndexedConcept {
  code: string;
  display?: string;
  definition?: string;
  designation: CodeSystemConceptDesignation[];
  properties: { code: string; value: unknown; type: string }[];
  parents: Set<string>;
  children: Set<string>;
  notSelectable: boolean;
  inactive: boolean;
}

const PROPERTY_URI = 'http://hl7.org/fhir/concept-properties#';

/**
 * A CodeSystem's concepts by code, with the is-a hierarchy made explicit in both directions: concept nesting
 * and the `parent` / `child` / `subsumedBy` properties (by code or by their concept-properties URI) say the
 * same thing, so all three feed one parents/children graph.
 */
export class CodeSystemIndex {
  readonly concepts = new Map<string, IndexedConcept>();
  private readonly folded?: Map<string, string>;
  private readonly roles = new Map<string, string>();

  constructor(readonly codeSystem: CodeSystem) {
    for (const p of codeSystem.property ?? []) {
      const role = p.uri?.startsWith(PROPERTY_URI) ? p.uri.slice(PROPERTY_URI.length) : p.code;
      if (p.code) this.roles.set(p.code, role ?? p.code);
    }
    this.add(codeSystem.concept ?? [], undefined);
    for (const concept of this.concepts.values()) {
      for (const parent of concept.parents) this.concepts.get(parent)?.children.add(concept.code);
      for (const child of concept.children) this.concepts.get(child)?.parents.add(concept.code);
    }
    if (codeSystem.caseSensitive === false) {
      this.folded = new Map([...this.concepts.keys()].map((c) => [c.toLowerCase(), c]));
    }
  }

  get url(): string {
    return this.codeSystem.url ?? '';
  }

  get complete(): boolean {
    return this.codeSystem.content === 'complete';
  }

  get(code: string): IndexedConcept | undefined {
    return this.concepts.get(code) ?? (this.folded ? this.concepts.get(this.folded.get(code.toLowerCase()) ?? '') : undefined);
  }

  /** Every code strictly below `code`. */
  descendants(code: string): Set<string> {
    return this.walk(code, (c) => c.children);
  }

  /** Every code strictly above `code`. */
  ancestors(code: string): Set<string> {
    return this.walk(code, (c) => c.parents);
  }

  private walk(code: string, next: (c: IndexedConcept) => Set<string>): Set<string> {
    const seen = new Set<string>();
    const start = this.get(code);
    const queue = start ? [...next(start)] : [];
    while (queue.length > 0) {
      const current = queue.pop() as string;
      if (seen.has(current) || current === start?.code) continue;
      seen.add(current);
      const concept = this.concepts.get(current);
      if (concept) queue.push(...next(concept));
    }
    return seen;
  }

  private add(concepts: CodeSystemConcept[], parent: string | undefined): void {
    for (const c of concepts) {
      if (!c.code) continue;
      const entry: IndexedConcept = this.concepts.get(c.code) ?? {
        code: c.code, display: c.display, definition: c.definition, designation: c.designation ?? [], properties: [],
        parents: new Set(), children: new Set(), notSelectable: false, inactive: false,
      };
      if (parent) entry.parents.add(parent);
      for (const p of c.property ?? []) {
        const [type, value] = propertyValue(p as unknown as Record<string, unknown>);
        entry.properties.push({ code: p.code as string, value, type });
        const role = this.roles.get(p.code as string) ?? p.code;
        if ((role === 'parent' || role === 'subsumedBy') && typeof value === 'string') entry.parents.add(value);
        if (role === 'child' && typeof value === 'string') entry.children.add(value);
        if (role === 'notSelectable' && value === true) entry.notSelectable = true;
        if ((role === 'inactive' && value === true) || (role === 'status' && (value === 'retired' || value === 'inactive'))) entry.inactive = true;
      }
      this.concepts.set(c.code, entry);
      this.add(c.concept ?? [], c.code);
    }
  }
}

function propertyValue(p: Record<string, unknown>): [string, unknown] {
  for (const [key, value] of Object.entries(p)) if (key.startsWith('value')) return [key, value];
  return ['valueString', undefined];
}
