import type { AuditRecord, AuditSink } from '../../kernel/audit-sink';
import type { Clock } from '../../kernel/clock';
import type { WebRequest } from '../../kernel/web-route';

export type TokenEvent = 'token-issued' | 'token-refused' | 'token-revoked';

/** Records one token-endpoint event (kind `token`). */
export function recordToken(
  audit: AuditSink,
  clock: Clock,
  request: WebRequest,
  event: TokenEvent,
  fields: Pick<AuditRecord, 'status' | 'clientId' | 'outcomeDescription'> & Partial<Pick<AuditRecord, 'subject' | 'fhirUser' | 'patients'>>,
): Promise<void> {
  return audit.record({
    kind: 'token',
    event,
    action: event === 'token-revoked' ? 'D' : 'E',
    recorded: clock.now().toISOString(),
    requestId: request.requestId,
    remoteAddress: request.remoteAddress,
    ...fields,
  });
}
