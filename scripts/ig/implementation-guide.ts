import type { ImplementationGuide, ImplementationGuideDefinitionResource, Resource } from '@medplum/fhirtypes';
import type { IgSources } from './ig-sources';

export const IG_URL = 'https://lucarne.example/fhir/ImplementationGuide/lucarne';

/** The grouping each conformance resource type is listed under, in the order the guide presents them. */
const GROUPS: { id: string; name: string; types: string[] }[] = [
  { id: 'profiles', name: 'Profiles', types: ['StructureDefinition'] },
  { id: 'terminology', name: 'Terminology', types: ['CodeSystem', 'ValueSet', 'ConceptMap', 'NamingSystem'] },
  { id: 'search', name: 'Search parameters', types: ['SearchParameter'] },
  { id: 'operations', name: 'Operations', types: ['OperationDefinition'] },
  { id: 'capabilities', name: 'Capability statements', types: ['CapabilityStatement'] },
];

interface Describable {
  title?: string;
  name?: string;
  description?: string;
}

/**
 * The ImplementationGuide resource, its definition.resource derived from the files so it lists every
 * profile, terminology resource, search parameter, operation, capability statement and example there is.
 * Deterministic (no clock): a test regenerates it and compares with the checked-in file.
 */
export function buildImplementationGuide(sources: IgSources): ImplementationGuide {
  const resources: ImplementationGuideDefinitionResource[] = [];
  for (const group of GROUPS) {
    const members = sources.conformance.filter((f) => group.types.includes(f.resource.resourceType)).sort(byKey);
    for (const { resource } of members) resources.push(entry(resource, group.id));
  }
  for (const { resource } of [...sources.examples].sort(byKey)) {
    const profile = resource.meta?.profile?.[0];
    resources.push({ ...entry(resource, 'examples'), ...(profile ? { exampleCanonical: profile } : { exampleBoolean: true }) });
  }
  return {
    resourceType: 'ImplementationGuide',
    id: 'lucarne',
    url: IG_URL,
    version: '0.1.0',
    name: 'LucarneImaging',
    title: 'Lucarne – dossier d’imagerie régional (FHIR R4)',
    status: 'draft',
    experimental: false,
    publisher: 'Lucarne',
    description:
      'Profiles, terminology, search parameters, operations and examples of Lucarne, a FHIR R4 server for French regional ' +
      'imaging records: INS patients (FR Core compatible), imaging orders, studies with DICOMweb endpoints, reports, ' +
      'radiation dose summaries (HL7 Radiation Dose Summary) and IHE BALP audit events.',
    jurisdiction: [{ coding: [{ system: 'urn:iso:std:iso:3166', code: 'FR' }] }],
    packageId: 'lucarne.fhir.imaging',
    license: 'Apache-2.0',
    fhirVersion: ['4.0.1'],
    dependsOn: [
      {
        id: 'hl7_fhir_fr_core',
        uri: 'https://hl7.fr/ig/fhir/core/ImplementationGuide/hl7.fhir.fr.core',
        packageId: 'hl7.fhir.fr.core',
        version: '2.1.0',
      },
    ],
    definition: {
      grouping: [...GROUPS.map(({ id, name }) => ({ id, name })), { id: 'examples', name: 'Examples' }],
      resource: resources,
      page: {
        nameUrl: 'pages/index.md',
        title: 'Lucarne implementation guide',
        generation: 'markdown',
        page: sources.conformance
          .filter((f) => f.resource.resourceType === 'StructureDefinition')
          .sort(byKey)
          .map(({ resource }) => ({ nameUrl: `pages/${resource.id}.md`, title: describe(resource).title ?? String(resource.id), generation: 'markdown' as const })),
      },
    },
  };
}

function entry(resource: Resource, groupingId: string): ImplementationGuideDefinitionResource {
  const { title, name, description } = describe(resource);
  return {
    reference: { reference: `${resource.resourceType}/${resource.id}` },
    ...(title || name ? { name: title ?? name } : {}),
    ...(description ? { description: firstSentence(description) } : {}),
    groupingId,
  };
}

/** title, name and description when they are strings (a Patient's name is HumanName[], not a label). */
function describe(resource: Resource): Describable {
  const r = resource as unknown as Record<string, unknown>;
  const text = (key: string) => (typeof r[key] === 'string' ? (r[key] as string) : undefined);
  return { title: text('title'), name: text('name'), description: text('description') };
}

function firstSentence(text: string): string {
  const match = /^(.+?[.!?])(\s|$)/s.exec(text);
  return (match ? match[1] : text).replace(/\s+/g, ' ');
}

function byKey(a: { resource: Resource }, b: { resource: Resource }): number {
  const ka = `${a.resource.resourceType}/${a.resource.id}`;
  const kb = `${b.resource.resourceType}/${b.resource.id}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
