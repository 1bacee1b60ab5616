import { FhirError, issue } from '../../kernel/errors';
import type { FhirRequest, FhirResponse } from '../rest/fhir-request';
import type { RequestContext } from '../rest/request-context';
import type { AllowedRequest, FhirRouter } from '../rest/router';
import type { PlannedEntry } from './bundle-plan';
import { entryLabel } from './bundle-plan';

export function toRequest(entry: PlannedEntry): FhirRequest {
  const request: FhirRequest = { method: entry.method, path: entry.path, query: entry.query, headers: { ...entry.headers } };
  if (entry.body !== undefined) request.body = entry.body;
  return request;
}

function relocate(expression: string, entry: PlannedEntry): string {
  if (expression.startsWith('Bundle.entry[')) return expression;
  const type = entry.resource?.resourceType;
  if (type && (expression === type || expression.startsWith(`${type}.`) || expression.startsWith(`${type}[`))) {
    return `Bundle.entry[${entry.index}].resource${expression.slice(type.length)}`;
  }
  return `Bundle.entry[${entry.index}] ${expression}`;
}

/** The same failure, with every issue saying which entry (position, method and url) it came from. */
export function nameEntry(entry: PlannedEntry, error: FhirError): FhirError {
  const label = entryLabel(entry);
  const issues = (error.issues.length ? error.issues : [issue('processing', error.message)]).map((i) => {
    const diagnostics = i.diagnostics ?? i.details?.text ?? i.code;
    const named = diagnostics.startsWith(label) ? diagnostics : `${label}: ${diagnostics}`;
    const expression = i.expression?.length ? i.expression.map((e) => relocate(e, entry)) : [`Bundle.entry[${entry.index}]`];
    return { ...i, diagnostics: named, expression };
  });
  return new FhirError(error.status, issues);
}

/** What a Bundle runner needs of the router: the decision on each entry (which also binds it to its route). */
export type EntryRouter = Pick<FhirRouter, 'decide'>;

/**
 * The router's decision on one entry, under the entry's own context: its route, and whether the caller may
 * do it. Taken before anything is read or written for the entry; a refusal names the entry.
 */
export function decideEntry(ctx: RequestContext, entry: PlannedEntry, router: EntryRouter): AllowedRequest {
  try {
    return router.decide(ctx, toRequest(entry));
  } catch (e) {
    if (e instanceof FhirError) throw nameEntry(entry, e);
    throw e;
  }
}

/**
 * Runs one decided entry. A response with an error status counts as a failure too, so a handler that
 * answers instead of throwing cannot let a transaction commit half of what was asked.
 */
export async function runEntry(ctx: RequestContext, entry: PlannedEntry, allowed: AllowedRequest): Promise<FhirResponse> {
  let response: FhirResponse;
  try {
    response = await allowed.run(ctx, toRequest(entry));
  } catch (e) {
    if (e instanceof FhirError) throw nameEntry(entry, e);
    throw e;
  }
  if (response.status >= 400) {
    const body = response.body;
    const issues = body?.resourceType === 'OperationOutcome' && body.issue?.length ? body.issue : [issue('processing', `status ${response.status}`)];
    throw nameEntry(entry, new FhirError(response.status, issues));
  }
  if (entry.method === 'HEAD') return { ...response, body: undefined };
  return response;
}
