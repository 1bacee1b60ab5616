import type { OperationOutcomeIssue } from '@medplum/fhirtypes';

export interface ValidateOptions {
  /** A profile canonical URL to validate against besides the base definition and meta.profile. */
  profile?: string;
  /** More profiles to validate against (the required profiles of the resource's type on write). */
  profiles?: readonly string[];
  /** false: only the profiles are checked, not the base definition nor meta.profile (already done). */
  base?: boolean;
}

/**
 * Validates a parsed JSON value as an R4 resource. Returns every problem found (errors and warnings), each
 * with its FHIRPath `expression`; an empty array (or warnings only) means valid.
 */
export interface Validator {
  validate(resource: unknown, options?: ValidateOptions): OperationOutcomeIssue[];
  /** Whether a profile URL names a StructureDefinition this validator can check against. */
  knowsProfile?(url: string): boolean;
}
