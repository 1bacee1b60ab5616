import type { ElementDefinition, StructureDefinition } from '@medplum/fhirtypes';
import { compileInvariant, type CompiledInvariant } from './profile-invariants';
import { fixedOrPattern, valueAt } from './profile-values';

/** One element of a profile that adds something to the base definition, with the path down to it. */
export interface PlanNode {
  id: string;
  /** JSON property name, or `value[x]` for a choice (see choiceTypes). */
  name: string;
  /** Allowed type codes of a choice element, capitalised, e.g. ['Quantity'] for valueQuantity. */
  choiceTypes?: string[];
  /** Whether the base element repeats (the issue path then carries an index). */
  repeats: boolean;
  /** Cardinality to check: only when the profile states it (the base validator checks the base's). */
  min?: number;
  max?: number;
  fixed?: unknown;
  pattern?: unknown;
  binding?: { strength: 'required' | 'extensible'; valueSet: string };
  invariants: CompiledInvariant[];
  children: PlanNode[];
  slicing?: { rules: 'open' | 'closed' | 'openAtEnd'; slices: SlicePlan[] };
}

export interface SlicePlan extends PlanNode {
  sliceName: string;
  /** Whether an item of the sliced element belongs to this slice (the discriminators, compiled). */
  matches(item: unknown): boolean;
}

/** A profile compiled once into a tree of the elements that constrain something, for a quick walk. */
export interface ProfilePlan {
  url: string;
  type: string;
  root: PlanNode;
}

/**
 * Compiles a constraint StructureDefinition. The differential says which elements the profile touches; the
 * snapshot gives their full (merged) definition. Elements untouched by the differential are only kept as
 * the path to a touched one, so validation walks the resource once and only where the profile has rules.
 */
export function compileProfile(profile: StructureDefinition): ProfilePlan {
  const snapshot = profile.snapshot?.element;
  if (!snapshot?.length) throw new Error(`Profile ${profile.url} has no snapshot`);
  const byId = new Map(snapshot.map((e) => [e.id ?? e.path, e]));
  const diffById = new Map((profile.differential?.element ?? []).map((e) => [e.id ?? e.path, e]));
  const keep = new Set<string>();
  for (const id of diffById.keys()) for (let p: string | undefined = id; p; p = parentId(p)) keep.add(p);

  const nodes = new Map<string, PlanNode>();
  for (const element of snapshot) {
    const id = element.id ?? element.path;
    if (!keep.has(id)) continue;
    const node = makeNode(id, element, diffById.get(id));
    nodes.set(id, node);
    const parent = parentId(id);
    if (!parent) continue;
    const last = id.slice(parent.length + 1);
    const colon = last.indexOf(':');
    if (colon < 0) {
      nodes.get(parent)?.children.push(node);
    } else {
      const sliced = nodes.get(`${parent}.${last.slice(0, colon)}`);
      if (!sliced?.slicing) throw new Error(`Profile ${profile.url}: slice ${id} has no slicing`);
      const slice = node as SlicePlan;
      slice.sliceName = last.slice(colon + 1);
      sliced.slicing.slices.push(slice);
    }
  }
  // Discriminators read the slices' children, so matchers are built once the tree is complete.
  for (const [id, node] of nodes) {
    const element = byId.get(id) as ElementDefinition;
    for (const slice of node.slicing?.slices ?? []) slice.matches = discriminate(element, slice, byId);
  }
  const root = nodes.get(snapshot[0].id ?? snapshot[0].path) as PlanNode;
  return { url: profile.url as string, type: profile.type as string, root };
}

function makeNode(id: string, element: ElementDefinition, diff: ElementDefinition | undefined): PlanNode {
  const name = element.path.slice(element.path.lastIndexOf('.') + 1);
  const node: PlanNode = {
    id,
    name,
    repeats: (element.base?.max ?? element.max) !== '1' && element.path.includes('.'),
    invariants: (diff?.constraint ?? []).filter((c) => c.expression).map((c) => compileInvariant(c, element.path)),
    children: [],
  };
  if (name.endsWith('[x]')) node.choiceTypes = (element.type ?? []).map((t) => t.code.charAt(0).toUpperCase() + t.code.slice(1));
  if (diff?.min !== undefined) node.min = element.min;
  if (diff?.max !== undefined) node.max = element.max === '*' ? Infinity : Number(element.max);
  if (diff?.sliceName) {
    node.min = element.min;
    node.max = element.max === '*' ? Infinity : Number(element.max);
  }
  const constraint = fixedOrPattern(element);
  if (constraint?.kind === 'fixed') node.fixed = constraint.value;
  if (constraint?.kind === 'pattern') node.pattern = constraint.value;
  const binding = diff?.binding;
  if (binding?.valueSet && (binding.strength === 'required' || binding.strength === 'extensible')) {
    node.binding = { strength: binding.strength, valueSet: binding.valueSet.split('|')[0] };
  }
  if (element.slicing) node.slicing = { rules: element.slicing.rules ?? 'open', slices: [] };
  return node;
}

/**
 * value and pattern discriminators compare the item at the discriminator path with the slice's fixed or
 * pattern value there; `url` of an extension slice is the extension's profile. A discriminator the slice
 * does not constrain does not restrict it, so one slicing can mix slices told apart by system with slices
 * told apart by type; a slice that constrains none matches nothing.
 */
function discriminate(sliced: ElementDefinition, slice: SlicePlan, byId: Map<string, ElementDefinition>): (item: unknown) => boolean {
  const tests: ((item: unknown) => boolean)[] = [];
  for (const d of sliced.slicing?.discriminator ?? []) {
    if (d.type !== 'value' && d.type !== 'pattern') continue;
    const path = d.path === '$this' ? '' : d.path;
    const target = path ? byId.get(`${slice.id}.${path}`) : byId.get(slice.id);
    let expected = target ? fixedOrPattern(target) : undefined;
    if (!expected && path === 'url') {
      const url = byId.get(slice.id)?.type?.[0]?.profile?.[0];
      if (url) expected = { kind: 'fixed', value: url };
    }
    if (!expected) continue;
    const { kind, value } = expected;
    tests.push((item) => valueAt(item, path).some((v) => (kind === 'fixed' ? deepEqual(v, value) : patternMatches(value, v))));
  }
  if (tests.length === 0) return () => false;
  return (item) => tests.every((t) => t(item));
}

function parentId(id: string): string | undefined {
  const cut = id.lastIndexOf('.');
  return cut < 0 ? undefined : id.slice(0, cut);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** FHIR pattern semantics: every property of the pattern is present with a matching value; arrays match when each pattern item is matched by some item. */
export function patternMatches(pattern: unknown, value: unknown): boolean {
  if (Array.isArray(pattern)) {
    return Array.isArray(value) && pattern.every((p) => value.some((v) => patternMatches(p, v)));
  }
  if (typeof pattern === 'object' && pattern !== null) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
    return Object.entries(pattern).every(([k, p]) => patternMatches(p, (value as Record<string, unknown>)[k]));
  }
  return pattern === value;
}
