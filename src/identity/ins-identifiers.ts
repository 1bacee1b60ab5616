import type { Identifier, Patient } from '@medplum/fhirtypes';
import { normaliseNir } from './nir-key';

/** The INS identifier systems (ANS): the definitive NIR, and the temporary NIA. */
export const INS_NIR_SYSTEM = 'urn:oid:1.2.250.1.213.1.4.8';
export const INS_NIA_SYSTEM = 'urn:oid:1.2.250.1.213.1.4.9';
const INS_SYSTEMS = new Set([INS_NIR_SYSTEM, INS_NIA_SYSTEM]);

export interface InsIdentifier {
  /** Its index in Patient.identifier, for OperationOutcome expressions. */
  index: number;
  system: string;
  /** The normalised value, or undefined when the identifier has none. */
  value?: string;
  /**
   * Whether it is the patient's current INS: not a deactivated one (use `old`), and not an NSS, the billing
   * number typed `NH` that shares the NIR's OID and may be a parent's (so several patients can carry it).
   */
  current: boolean;
}

export function insIdentifiers(patient: Patient): InsIdentifier[] {
  const found: InsIdentifier[] = [];
  (patient.identifier ?? []).forEach((identifier, index) => {
    if (!identifier?.system || !INS_SYSTEMS.has(identifier.system)) return;
    const value = typeof identifier.value === 'string' ? normaliseNir(identifier.value) : undefined;
    found.push({ index, system: identifier.system, value, current: identifier.use !== 'old' && !isNss(identifier) });
  });
  return found;
}

function isNss(identifier: Identifier): boolean {
  return (identifier.type?.coding ?? []).some((c) => c.code === 'NH');
}
