/**
 * One event for the audit trail, as the places where things happen report it (the request dispatch, the
 * authorization server); the audit domain turns it into an IHE BALP AuditEvent and keeps it append-only.
 */
export interface AuditRecord {
  /** What happened: a FHIR access, or an authorization-server event. */
  readonly kind: 'rest' | 'token' | 'sign-in' | 'launch' | 'admin';
  /** FHIR interaction (`read`, `search-type`, `operation`...) or server event (`token-issued`, `token-refused`, `sign-in-failed`...). */
  readonly event: string;
  /** DICOM/FHIR AuditEvent.action: Create, Read, Update, Delete, Execute. */
  readonly action: 'C' | 'R' | 'U' | 'D' | 'E';
  /** HTTP-like status of the outcome (200, 403...): the audit maps it to AuditEvent.outcome. */
  readonly status: number;
  readonly outcomeDescription?: string;
  /** ISO instant. */
  readonly recorded: string;
  readonly requestId: string;
  readonly remoteAddress?: string;
  readonly clientId?: string;
  /** The access token's id (`jti`), for BALP's OAuth token use (never the token itself). */
  readonly tokenId?: string;
  /** The signed-in user's subject and FHIR resource. */
  readonly subject?: string;
  readonly fhirUser?: string;
  /** The EHR client that launched the app. */
  readonly launchedBy?: string;
  readonly purposeOfUse?: readonly string[];
  /** Stated reason of a break-the-glass access. */
  readonly breakTheGlassReason?: string;
  /** Resources touched (`Patient/1`, `ImagingStudy/2/_history/3`). */
  readonly entities?: readonly string[];
  /** Patients whose record this touched (`Patient/1`), so each patient can read who accessed it. */
  readonly patients?: readonly string[];
  /** The query of a search or operation, as received. */
  readonly query?: string;
}

/** Where events go. Recording must be cheap on the request path and durable before the answer is sent. */
export interface AuditSink {
  record(event: AuditRecord): Promise<void>;
}

/** No audit (tools and tests that do not look at it). */
export const NO_AUDIT: AuditSink = Object.freeze({ record: async () => undefined });
