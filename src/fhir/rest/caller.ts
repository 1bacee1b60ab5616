/**
 * Who a request comes from, as authorization will know it: the shape of a SMART on FHIR access token's
 * context (client, user, patient in context, granted scopes) plus the purpose of use the caller states.
 * Only plain values: deciding what a caller may do is the AccessPolicy's job, not the caller's.
 */
export interface Caller {
  /** OAuth client_id of the application; absent when no client was identified. */
  readonly clientId?: string;
  /** The signed-in user as a FHIR reference (SMART `fhirUser`: `Practitioner/123`, `Patient/456`). */
  readonly user?: string;
  /** Id of the Patient in context (SMART launch context `patient`). */
  readonly patient?: string;
  /** Granted scopes, as the token lists them (`patient/Observation.rs`, `user/*.cruds`, `openid`...). */
  readonly scopes: readonly string[];
  /** Purpose-of-use codes the caller states (HL7 v3 PurposeOfUse: `TREAT`, `ETREAT` for break-the-glass...). */
  readonly purposeOfUse: readonly string[];
  /** The access token's id (`jti`): page tokens are bound to it, the audit names it. */
  readonly tokenId?: string;
  /** The signed-in user's subject at the identity provider (`local:alice`, `oidc:<iss>#<sub>`). */
  readonly subject?: string;
  /** The EHR client that launched the app, when the token comes from an EHR launch. */
  readonly launchedBy?: string;
  /** The stated reason of a break-the-glass access (purpose of use ETREAT). */
  readonly breakTheGlassReason?: string;
  /** Set when the request carried an access token that is not good (why, for the 401 and the audit). */
  readonly tokenError?: string;
}

/**
 * The caller of every request while the API is open (no authentication yet): nobody identified, nothing
 * granted. The open access policy lets it do everything; any other policy sees an anonymous caller.
 */
export const ANONYMOUS_CALLER: Caller = Object.freeze({ scopes: Object.freeze([]), purposeOfUse: Object.freeze([]) });

/**
 * The operator at the server's own command line (`lucarne import` into the local data folder): whoever can
 * run the CLI on the machine already holds the database, so it acts with every system scope, and is audited
 * as the client `lucarne-cli`.
 */
export const LOCAL_OPERATOR: Caller = Object.freeze({
  clientId: 'lucarne-cli',
  scopes: Object.freeze(['system/*.cruds']),
  purposeOfUse: Object.freeze([]),
});
