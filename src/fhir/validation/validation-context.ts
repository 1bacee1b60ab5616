import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { issue, type IssueCode } from '../../kernel/errors';

/**
 * Issue codes a validator emits. Rule violations (the resource is well-formed JSON FHIR but breaks a rule of
 * the definitions) answer 422; every other error is structural and answers 400.
 */
export const RULE_ISSUE_CODES: ReadonlySet<IssueCode> = new Set<IssueCode>([
  'required',
  'code-invalid',
  'invariant',
  'business-rule',
]);

/** Deeper JSON than this is rejected with a single issue instead of being walked. */
export const MAX_DEPTH = 100;

/** A hostile resource could raise an issue per key; the outcome stays bounded. */
export const MAX_ISSUES = 1000;

/** Mutable state of one validation run. */
export class ValidationContext {
  readonly issues: OperationOutcomeIssue[] = [];
  depthExceeded = false;
  /** Ids of the resources contained in the resource currently being walked (for `#id` references). */
  containedIds: ReadonlySet<string> = new Set();

  error(code: IssueCode, diagnostics: string, expression: string): void {
    this.add(code, diagnostics, expression, 'error');
  }

  warning(code: IssueCode, diagnostics: string, expression: string): void {
    this.add(code, diagnostics, expression, 'warning');
  }

  private add(code: IssueCode, diagnostics: string, expression: string, severity: 'error' | 'warning'): void {
    if (this.issues.length < MAX_ISSUES) {
      this.issues.push(issue(code, diagnostics, expression, severity));
    } else if (this.issues.length === MAX_ISSUES) {
      this.issues.push(issue('too-costly', `More than ${MAX_ISSUES} issues; the rest are not reported`, expression));
    }
  }
}
