import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { FhirError } from '../../kernel/errors';
import { RULE_ISSUE_CODES } from './validation-context';
import type { ValidateOptions, Validator } from './validator';

/**
 * Validates and throws a FhirError carrying every issue when any is an error: 422 when all errors are rule
 * violations (cardinality, required binding, invariant), 400 when any is structural. Returns the warnings.
 */
export function assertValid(validator: Validator, resource: unknown, options?: ValidateOptions): OperationOutcomeIssue[] {
  const issues = validator.validate(resource, options);
  const errors = issues.filter(isError);
  if (errors.length === 0) return issues;
  const status = errors.every((i) => RULE_ISSUE_CODES.has(i.code)) ? 422 : 400;
  throw new FhirError(status, issues);
}

function isError(i: OperationOutcomeIssue): boolean {
  return i.severity === 'error' || i.severity === 'fatal';
}
