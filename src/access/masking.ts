import type { Resource } from '@medplum/fhirtypes';

/**
 * The security label by which a patient (or their facility) masks a report, a study or any record from
 * professionals: a professional does not see what carries it (break-the-glass sees it only where the
 * configuration says so); the patient always sees their own records.
 */
export const MASKED_SYSTEM = 'https://lucarne.example/fhir/CodeSystem/access-label';
export const MASKED_CODE = 'masked-from-professionals';
export const MASKED_TOKEN = `${MASKED_SYSTEM}|${MASKED_CODE}`;

export function isMasked(resource: Resource): boolean {
  return (resource.meta?.security ?? []).some((c) => c.system === MASKED_SYSTEM && c.code === MASKED_CODE);
}
