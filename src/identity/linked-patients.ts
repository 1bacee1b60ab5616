import type { Patient } from '@medplum/fhirtypes';

/**
 * Whether two Patients are linked as records of the same person: one of them has a Patient.link (any type:
 * replaces, replaced-by, refer, seealso) whose `other` is the other record, relative or absolute reference.
 */
export function linkedAsSamePerson(a: Patient & { id: string }, b: Patient & { id: string }): boolean {
  return linksTo(a, b.id) || linksTo(b, a.id);
}

function linksTo(patient: Patient, id: string): boolean {
  return (patient.link ?? []).some((link) => {
    const ref = link.other?.reference?.replace(/\/_history\/[^/]+$/, '');
    return ref !== undefined && (ref === `Patient/${id}` || ref.endsWith(`/Patient/${id}`));
  });
}
