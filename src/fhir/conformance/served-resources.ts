import type { CodeSystem, ElementDefinition, Resource, StructureDefinition, ValueSet } from '@medplum/fhirtypes';
import type { Definitions } from './definitions';

/** The conformance resource types the API serves read-only, from the definitions loaded at start-up. */
export const CONFORMANCE_TYPES: ReadonlySet<string> = new Set([
  'CodeSystem',
  'ImplementationGuide',
  'OperationDefinition',
  'SearchParameter',
  'StructureDefinition',
  'ValueSet',
]);

type Served = Resource & { id: string };

/**
 * What GET [type] and [type]/[id] answer for the conformance types: every such resource of profiles/, ig/
 * and terminology/ (`extra`, first, so they win an id clash), then the R4 ones Lucarne's own refer to: the
 * base StructureDefinitions of the profiles (their whole baseDefinition chains), the ValueSets bound in the
 * profiles with the CodeSystems they include, the SearchParameters of the profiled resource types, and the
 * OperationDefinitions in `operationUrls`. Not every R4 definition: the StructureDefinitions alone are 30 MB.
 */
export function servedConformanceResources(
  definitions: Definitions,
  extra: readonly Resource[],
  operationUrls: readonly string[],
): Served[] {
  const served: Served[] = [];
  const urls = new Set<string>();
  const add = (r: Resource | undefined) => {
    if (!r || !CONFORMANCE_TYPES.has(r.resourceType)) return;
    const url = (r as { url?: string }).url;
    if (url !== undefined && urls.has(url)) return;
    const id = r.id ?? idFromUrl(url);
    if (id === undefined) return;
    if (url !== undefined) urls.add(url);
    served.push({ ...r, id } as Served);
  };
  const byUrl = (url: string | undefined) => (url ? definitions.canonical(url.split('|')[0]) : undefined);

  for (const r of extra) add(r);
  const profiles = extra.filter((r): r is StructureDefinition => r.resourceType === 'StructureDefinition');
  for (const profile of profiles) {
    for (let base = byUrl(profile.baseDefinition) as StructureDefinition | undefined; base; base = byUrl(base.baseDefinition) as StructureDefinition | undefined) {
      add(base);
    }
  }
  for (const profile of profiles) {
    for (const element of [...(profile.snapshot?.element ?? []), ...(profile.differential?.element ?? [])] as ElementDefinition[]) {
      const valueSet = byUrl(element.binding?.valueSet) as ValueSet | undefined;
      if (valueSet?.resourceType !== 'ValueSet') continue;
      add(valueSet);
      for (const include of valueSet.compose?.include ?? []) add(byUrl(include.system) as CodeSystem | undefined);
    }
  }
  for (const type of new Set(profiles.map((p) => p.type))) for (const sp of definitions.searchParameters(type)) add(sp);
  for (const url of operationUrls) add(byUrl(url));
  return served;
}

function idFromUrl(url: string | undefined): string | undefined {
  const tail = url?.split('/').pop();
  return tail && /^[A-Za-z0-9\-.]{1,64}$/.test(tail) ? tail : undefined;
}
