import type { OperationOutcomeIssue } from '@medplum/fhirtypes';

export interface ValidateOptions {
  /** A profile canonical URL to validate against besides the base definition (later issue). */
  profile?: string;
}

/**
 * Validates a parsed JSON value as an R4 resource. Returns every problem found (errors and warnings), each
 * with its FHIRPath `expression`; an empty array (or warnings only) means valid.
 */
export interface Validator {
  validate(resource: unknown, options?: ValidateOptions): OperationOutcomeIssue[];
}
