import type { ElementDefinition, StructureDefinition } from '@medplum/fhirtypes';

/** Finds a StructureDefinition by canonical URL (the base of a profile) or by type name (datatype expansion). */
export interface SnapshotSources {
  byUrl(url: string): StructureDefinition | undefined;
  byType(type: string): StructureDefinition | undefined;
}

/**
 * Generates the snapshot of a constraint profile from its base snapshot and its differential.
 *
 * Rules (a subset of the FHIR snapshot algorithm, enough for Lucarne's profiles):
 * - differential elements come in snapshot order (a slice's children right after their slice, in the order
 *   of the element's type), as the FHIR snapshot algorithm requires: anything else is refused;
 * - a differential element whose id exists in the snapshot is merged into it (scalars replace, constraints
 *   are appended since invariants accumulate along the derivation chain, with the profile as their source);
 * - `path:slice` adds a slice: a copy of the unsliced element and its children, placed after the last
 *   existing slice of that element;
 * - a child of a datatype element that is not expanded yet (for example `Patient.name.extension`) expands
 *   the children of that element from its type's definition first.
 */
export function generateSnapshot(profile: StructureDefinition, sources: SnapshotSources): ElementDefinition[] {
  if (!profile.baseDefinition) throw new Error(`${profile.url}: no baseDefinition`);
  const base = sources.byUrl(profile.baseDefinition);
  if (!base?.snapshot?.element) throw new Error(`${profile.url}: base ${profile.baseDefinition} has no snapshot`);
  const elements: ElementDefinition[] = structuredClone(base.snapshot.element);
  for (const element of elements) element.id ??= element.path;

  const differential = profile.differential?.element ?? [];
  for (const diff of differential) {
    const id = diff.id ?? diff.path;
    const target = ensure(elements, id, sources, profile.url as string);
    merge(target, diff, profile.url as string);
  }
  checkOrder(differential, elements, profile.url as string);
  return elements;
}

function checkOrder(differential: ElementDefinition[], elements: ElementDefinition[], url: string): void {
  const index = new Map(elements.map((e, i) => [e.id as string, i]));
  let previous: ElementDefinition | undefined;
  for (const diff of differential) {
    const id = diff.id ?? diff.path;
    if (previous && (index.get(id) as number) <= (index.get(previous.id ?? previous.path) as number)) {
      throw new Error(`${url}: differential element '${id}' comes after '${previous.id ?? previous.path}' but precedes it in the snapshot`);
    }
    previous = diff;
  }
}

function ensure(elements: ElementDefinition[], id: string, sources: SnapshotSources, url: string): ElementDefinition {
  const found = elements.find((e) => e.id === id);
  if (found) return found;
  const cut = lastDot(id);
  if (cut < 0) throw new Error(`${url}: element '${id}' is not in the base`);
  const parentId = id.slice(0, cut);
  const last = id.slice(cut + 1);
  const parent = ensure(elements, parentId, sources, url);
  if (!elements.some((e) => e.id?.startsWith(`${parentId}.`))) expandType(elements, parent, sources, url);
  const expanded = elements.find((e) => e.id === id);
  if (expanded) return expanded;
  const colon = last.indexOf(':');
  if (colon < 0) throw new Error(`${url}: element '${id}' is not in the base`);
  return addSlice(elements, `${parentId}.${last.slice(0, colon)}`, last.slice(colon + 1), url);
}

/** Inserts the children of a datatype element (from its type's snapshot) right after it. */
function expandType(elements: ElementDefinition[], parent: ElementDefinition, sources: SnapshotSources, url: string): void {
  const code = parent.type?.[0]?.code;
  const typeDef = code ? sources.byType(code) : undefined;
  if (!typeDef?.snapshot?.element || !code) throw new Error(`${url}: cannot expand '${parent.id}' (type ${code})`);
  const children = typeDef.snapshot.element.slice(1).map((e) => {
    const copy = structuredClone(e);
    copy.id = `${parent.id}${(e.id ?? e.path).slice(code.length)}`;
    copy.path = `${parent.path}${e.path.slice(code.length)}`;
    return copy;
  });
  elements.splice(elements.indexOf(parent) + 1, 0, ...children);
}

function addSlice(elements: ElementDefinition[], slicedId: string, sliceName: string, url: string): ElementDefinition {
  const sliced = elements.find((e) => e.id === slicedId);
  if (!sliced) throw new Error(`${url}: cannot slice '${slicedId}': not in the snapshot`);
  if (!sliced.slicing) throw new Error(`${url}: slice '${sliceName}' of '${slicedId}' comes before its slicing`);
  const start = elements.indexOf(sliced);
  const family = (e: ElementDefinition) => e.id === slicedId || e.id?.startsWith(`${slicedId}.`) || e.id?.startsWith(`${slicedId}:`);
  const own = elements.filter((e) => e.id === slicedId || e.id?.startsWith(`${slicedId}.`));
  let end = start;
  while (end + 1 < elements.length && family(elements[end + 1])) end++;
  const sliceId = `${slicedId}:${sliceName}`;
  const copies = own.map((e) => {
    const copy = structuredClone(e);
    copy.id = sliceId + (e.id as string).slice(slicedId.length);
    if (e.id === slicedId) {
      delete copy.slicing;
      copy.sliceName = sliceName;
    }
    return copy;
  });
  elements.splice(end + 1, 0, ...copies);
  return copies[0];
}

function merge(target: ElementDefinition, diff: ElementDefinition, url: string): void {
  for (const [key, value] of Object.entries(diff)) {
    if (key === 'id' || key === 'path') continue;
    if (key === 'constraint') {
      const added = structuredClone(value as NonNullable<ElementDefinition['constraint']>).map((c) => ({ ...c, source: c.source ?? url }));
      target.constraint = [...(target.constraint ?? []), ...added];
    } else {
      (target as unknown as Record<string, unknown>)[key] = structuredClone(value);
    }
  }
}

/** The last '.' that separates path segments (slice names never contain dots here, urls in them are not used). */
function lastDot(id: string): number {
  return id.lastIndexOf('.');
}
