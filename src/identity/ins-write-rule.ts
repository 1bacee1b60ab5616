import type { Patient, Resource } from '@medplum/fhirtypes';
import { FhirError, issue } from '../kernel/errors';
import type { RuleClaim, WriteRule } from '../fhir/write-rules/write-rule';
import { INS_NIA_SYSTEM, insIdentifiers, type InsIdentifier } from './ins-identifiers';
import { linkedAsSamePerson } from './linked-patients';
import { hasValidNirKey } from './nir-key';

/**
 * The INS facts every Patient write must respect, whatever profile it declares (or none):
 * - an INS-NIR or INS-NIA value has the right check key (else 422);
 * - one current INS belongs to one Patient (else 409 naming the record that has it), unless the two records
 *   are linked as the same person, in which case the first keeps it.
 * Messages name the identifier's position, never its value, so they can be logged.
 */
export function insWriteRule(): WriteRule {
  return {
    resourceTypes: ['Patient'],
    backfill: 'ins-v1',
    check(resource: Resource): RuleClaim[] {
      const claims: RuleClaim[] = [];
      for (const ins of insIdentifiers(resource as Patient)) {
        const where = `Patient.identifier[${ins.index}]`;
        if (ins.value === undefined || !hasValidNirKey(ins.value)) throw badIns(ins, where);
        if (ins.current) claims.push({ key: `ins|${ins.system}|${ins.value}`, conflict: (holder) => taken(where, holder) });
      }
      return claims;
    },
    mayShare: (resource, holder) => linkedAsSamePerson(resource as Patient & { id: string }, holder as Patient & { id: string }),
  };
}

function badIns(ins: InsIdentifier, where: string): FhirError {
  const kind = ins.system === INS_NIA_SYSTEM ? 'INS-NIA' : 'INS-NIR';
  const problem = ins.value === undefined
    ? 'has no value'
    : 'is not a valid NIR/NIA: 15 characters (department 2A/2B allowed) whose last two are the check key 97 - (first 13 mod 97)';
  return new FhirError(422, [issue('value', `${where} (${kind}) ${problem}`, `${where}.value`)]);
}

function taken(where: string, holder: string): FhirError {
  return new FhirError(409, [
    issue('duplicate', `${where}: this INS already belongs to ${holder}. A second record of the same person must be linked to it (Patient.link) to carry the same INS.`, where),
  ]);
}
