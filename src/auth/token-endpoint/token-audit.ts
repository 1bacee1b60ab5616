import type { AuditRecord, AuditSink } from '../../kernel/audit-sink';
import type { Clock } from '../../kernel/clock';
import type { WebRequest } from '../../kernel/web-route';

export type TokenEvent = 'token-issued' | 'token-refused' | 'token-revoked';

export type AuthEventFields = Pick<AuditRecord, 'status' | 'clientId' | 'outcomeDescription'> &
  Partial<Pick<AuditRecord, 'subject' | 'fhirUser' | 'patients' | 'launchedBy'>>;

/** Records one token-endpoint event (kind `token`). */
export function recordToken(audit: AuditSink, clock: Clock, request: WebRequest, event: TokenEvent, fields: AuthEventFields): Promise<void> {
  return recordAuthEvent(audit, clock, request, 'token', event, fields, event === 'token-revoked' ? 'D' : 'E');
}

/** Records one event of the authorization server (sign-in, launch registration, authorization decision, token). */
export function recordAuthEvent(
  audit: AuditSink,
  clock: Clock,
  request: Pick<WebRequest, 'requestId' | 'remoteAddress'>,
  kind: 'token' | 'sign-in' | 'launch',
  event: string,
  fields: AuthEventFields,
  action: AuditRecord['action'] = 'E',
): Promise<void> {
  return audit.record({
    kind,
    event,
    action,
    recorded: clock.now().toISOString(),
    requestId: request.requestId,
    remoteAddress: request.remoteAddress,
    ...fields,
  });
}
