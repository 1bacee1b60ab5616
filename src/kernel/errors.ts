import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';

/**
 * The one error type of Lucarne. Every failure that reaches a client is a FhirError: an HTTP status and the
 * OperationOutcome issues that explain it. Anything else thrown is a bug and answers 500 without details.
 */
export class FhirError extends Error {
  constructor(
    readonly status: number,
    readonly issues: OperationOutcomeIssue[],
    readonly headers: Record<string, string> = {},
  ) {
    super(issues.map((i) => i.diagnostics ?? i.details?.text ?? i.code).join('; '));
    this.name = 'FhirError';
  }

  get outcome(): OperationOutcome {
    return operationOutcome(this.issues);
  }
}

export type IssueCode = OperationOutcomeIssue['code'];

export function issue(
  code: IssueCode,
  diagnostics: string,
  expression?: string | string[],
  severity: OperationOutcomeIssue['severity'] = 'error',
): OperationOutcomeIssue {
  const result: OperationOutcomeIssue = { severity, code, diagnostics };
  if (expression !== undefined) result.expression = Array.isArray(expression) ? expression : [expression];
  return result;
}

export function operationOutcome(issues: OperationOutcomeIssue[]): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: issues };
}

/** The table from failure kind to HTTP status: the only place statuses for errors are chosen. */
export const badRequest = (msg: string, expr?: string | string[]) => new FhirError(400, [issue('invalid', msg, expr)]);
export const invalidResource = (issues: OperationOutcomeIssue[]) => new FhirError(400, issues);
export const unprocessable = (issues: OperationOutcomeIssue[]) => new FhirError(422, issues);
export const notFound = (msg: string) => new FhirError(404, [issue('not-found', msg)]);
export const gone = (msg: string) => new FhirError(410, [issue('deleted', msg)]);
export const methodNotAllowed = (msg: string) => new FhirError(405, [issue('not-supported', msg)]);
export const notAcceptable = (msg: string) => new FhirError(406, [issue('not-supported', msg)]);
export const conflict = (msg: string) => new FhirError(409, [issue('conflict', msg)]);
export const preconditionFailed = (msg: string) => new FhirError(412, [issue('conflict', msg)]);
export const tooLarge = (msg: string) => new FhirError(413, [issue('too-costly', msg)]);
export const unsupportedMediaType = (msg: string) => new FhirError(415, [issue('not-supported', msg)]);
export const notSupported = (msg: string) => new FhirError(501, [issue('not-supported', msg)]);
export const multipleMatches = (msg: string) => new FhirError(412, [issue('multiple-matches', msg)]);
