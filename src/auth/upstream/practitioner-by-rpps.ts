import type { SearchParameter } from '@medplum/fhirtypes';
import type { SearchRequest } from '../../fhir/search/search-request';
import type { FhirStore } from '../../store/store';

/** Identifier system of the French professional national id (IDNPS: RPPS or ADELI based). */
export const RPPS_SYSTEM = 'urn:oid:1.2.250.1.71.4.2.1';

// The R4 definition of Practitioner?identifier: the stores only need its type to compile the filter.
const PRACTITIONER_IDENTIFIER: SearchParameter = {
  resourceType: 'SearchParameter',
  url: 'http://hl7.org/fhir/SearchParameter/Practitioner-identifier',
  name: 'identifier',
  status: 'active',
  description: 'A practitioner\'s Identifier',
  code: 'identifier',
  base: ['Practitioner'],
  type: 'token',
  expression: 'Practitioner.identifier',
};

export type PractitionerMatch = { readonly id: string } | { readonly ambiguous: readonly string[] } | undefined;

/**
 * The current Practitioner whose identifier in RPPS_SYSTEM is `value`: its id, the ids when several have it
 * (the caller must then not pick one), or undefined when none does.
 */
export async function practitionerByRpps(store: FhirStore, value: string): Promise<PractitionerMatch> {
  const request: SearchRequest = {
    resourceTypes: ['Practitioner'],
    filters: [{ code: 'identifier', param: PRACTITIONER_IDENTIFIER, values: [{ kind: 'token', system: RPPS_SYSTEM, code: value }] }],
    sort: [],
    count: 2,
    offset: 0,
    total: 'none',
  };
  const page = await store.search(request);
  if (page.entries.length === 0) return undefined;
  if (page.entries.length > 1) return { ambiguous: page.entries.map((r) => r.id) };
  return { id: page.entries[0].id };
}
