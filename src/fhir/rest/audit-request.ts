import type { AuditRecord } from '../../kernel/audit-sink';
import { FhirError } from '../../kernel/errors';
import type { VersionRecord } from '../../store/store';
import { patientCompartments } from '../search/patient-compartment';
import type { AccessRoute } from './access-policy';
import type { FhirRequest } from './fhir-request';
import type { Interaction } from './interaction';
import type { RequestContext } from './request-context';
import type { RouteParams } from './router';

/**
 * The audit of the one door: every request the router decides (each Bundle entry too), allowed or refused,
 * becomes one AuditRecord for ctx.audit. Records are queued on the request (ctx.audits) and the router
 * answers only once they are all durable (settleAudit), so an answered access is never missing from the trail.
 */
export function auditRequest(
  ctx: RequestContext,
  route: AccessRoute | undefined,
  params: RouteParams,
  request: FhirRequest,
  status: number,
  seen: readonly VersionRecord[],
  error?: unknown,
): void {
  if (route?.interaction === 'capabilities') return;
  const interaction: Interaction | undefined = route?.interaction;
  const caller = ctx.caller;
  const entities = new Set<string>();
  if (params.type && params.id) entities.add(`${params.type}/${params.id}${params.vid ? `/_history/${params.vid}` : ''}`);
  for (const r of seen) entities.add(`${r.resourceType}/${r.id}/_history/${r.versionId}`);
  const record: AuditRecord = {
    kind: 'rest',
    event: route?.operation ?? interaction ?? 'unknown',
    action: ACTION[interaction ?? 'operation'],
    status,
    ...(error !== undefined ? { outcomeDescription: describe(error) } : {}),
    recorded: ctx.clock.now().toISOString(),
    requestId: ctx.requestId,
    ...(ctx.remoteAddress ? { remoteAddress: ctx.remoteAddress } : {}),
    ...(caller.clientId ? { clientId: caller.clientId } : {}),
    ...(caller.subject ? { subject: caller.subject } : {}),
    ...(caller.user ? { fhirUser: caller.user } : {}),
    ...(caller.launchedBy ? { launchedBy: caller.launchedBy } : {}),
    ...(caller.purposeOfUse.length > 0 ? { purposeOfUse: caller.purposeOfUse } : {}),
    ...(caller.breakTheGlassReason ? { breakTheGlassReason: caller.breakTheGlassReason } : {}),
    entities: [...entities],
    patients: patientsOf(ctx, params, seen),
    ...(request.query.size > 0 ? { query: `${request.method} ${request.path}?${request.query}` } : {}),
  };
  ctx.audits.push(ctx.audit.record(record));
}

/** A request refused before any route ran (no route, or the access decision said no). */
export function auditRefusal(ctx: RequestContext, route: AccessRoute | undefined, params: RouteParams, request: FhirRequest, error: unknown): void {
  auditRequest(ctx, route, params, request, statusOf(error), [], error);
}

/** Waits for every audit record of the request; one that could not be made durable fails the request (503). */
export async function settleAudit(ctx: RequestContext): Promise<void> {
  if (ctx.audits.length === 0) return;
  const results = await Promise.allSettled(ctx.audits.splice(0));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    ctx.logger.error({ err: failed.reason, requestId: ctx.requestId }, 'audit record could not be written');
    throw new FhirError(503, [{ severity: 'error', code: 'transient', diagnostics: 'The access could not be recorded in the audit trail; try again' }], { 'Retry-After': '1' });
  }
}

export function statusOf(error: unknown): number {
  return error instanceof FhirError ? error.status : 500;
}

const ACTION: Readonly<Record<Interaction, AuditRecord['action']>> = {
  read: 'R',
  vread: 'R',
  'history-instance': 'R',
  'history-type': 'R',
  'history-system': 'R',
  'search-type': 'E',
  'search-system': 'E',
  capabilities: 'R',
  create: 'C',
  update: 'U',
  patch: 'U',
  delete: 'D',
  operation: 'E',
  bundle: 'E',
};

function describe(error: unknown): string {
  if (error instanceof FhirError) return error.outcome.issue?.[0]?.diagnostics ?? error.message;
  return 'internal error';
}

/** The patients whose record the request touched: the compartment or Patient it names, and those of what it saw. */
function patientsOf(ctx: RequestContext, params: RouteParams, seen: readonly VersionRecord[]): string[] {
  const ids = new Set<string>();
  if (params.type === 'Patient' && params.id) ids.add(params.id);
  const compartments = patientCompartments(ctx.definitions, ctx.config.baseUrl);
  for (const r of seen) {
    if (r.resourceType === 'Patient') ids.add(r.id);
    else if (r.resource && compartments.isCompartmentType(r.resourceType)) for (const id of compartments.patientsOf(r.resource)) ids.add(id);
  }
  return [...ids].map((id) => `Patient/${id}`);
}
