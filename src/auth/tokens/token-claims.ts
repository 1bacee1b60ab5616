import type { JWTPayload } from 'jose';
import type { TokenGrant, VerifiedToken } from '../contracts';

/**
 * The claims of Lucarne's access tokens (RFC 9068 JWT profile plus the SMART launch context). `family` is
 * a private claim: the refresh-token family the token came from, so that revoking the family revokes it.
 */
export interface AccessTokenClaims extends JWTPayload {
  iss: string;
  aud: string;
  sub: string;
  client_id: string;
  scope: string;
  jti: string;
  iat: number;
  exp: number;
  patient?: string;
  encounter?: string;
  fhirContext?: object[];
  fhirUser?: string;
  need_patient_banner?: boolean;
  purpose_of_use?: string[];
  launched_by?: string;
  family?: string;
}

/** Claims every access token of this server carries; a token without one of them is refused. */
export const REQUIRED_CLAIMS = ['iss', 'aud', 'sub', 'client_id', 'scope', 'jti', 'iat', 'exp'] as const;

/** The launch-context and private claims of a grant (absent values are left out). */
export function grantClaims(grant: TokenGrant): Partial<AccessTokenClaims> {
  const claims: Partial<AccessTokenClaims> = {};
  if (grant.patient !== undefined) claims.patient = grant.patient;
  if (grant.encounter !== undefined) claims.encounter = grant.encounter;
  if (grant.fhirContext !== undefined) claims.fhirContext = [...grant.fhirContext];
  if (grant.fhirUser !== undefined) claims.fhirUser = grant.fhirUser;
  if (grant.needPatientBanner !== undefined) claims.need_patient_banner = grant.needPatientBanner;
  if (grant.purposeOfUse !== undefined && grant.purposeOfUse.length > 0) claims.purpose_of_use = [...grant.purposeOfUse];
  if (grant.launchedBy !== undefined) claims.launched_by = grant.launchedBy;
  if (grant.family !== undefined) claims.family = grant.family;
  return claims;
}

/**
 * The verified token a signature-checked payload describes, or undefined when a claim has the wrong type.
 * `sub` is the user's subject, except for tokens without a user, where it is the client id (RFC 9068 §2.2):
 * a `sub` equal to `client_id` therefore means no user. (User subjects are prefixed, `local:`, `oidc:`.)
 */
export function verifiedToken(payload: JWTPayload): VerifiedToken | undefined {
  const p = payload as Partial<AccessTokenClaims>;
  if (!isString(p.sub) || !isString(p.client_id) || typeof p.scope !== 'string' || !isString(p.jti)) return undefined;
  if (typeof p.iat !== 'number' || typeof p.exp !== 'number') return undefined;
  if (!optional(p.patient, isString) || !optional(p.encounter, isString) || !optional(p.fhirUser, isString)) return undefined;
  if (!optional(p.launched_by, isString) || !optional(p.family, isString)) return undefined;
  if (!optional(p.need_patient_banner, (v) => typeof v === 'boolean')) return undefined;
  if (!optional(p.purpose_of_use, (v) => Array.isArray(v) && v.every(isString))) return undefined;
  if (!optional(p.fhirContext, (v) => Array.isArray(v) && v.every((c) => typeof c === 'object' && c !== null && !Array.isArray(c)))) return undefined;
  return {
    clientId: p.client_id,
    scopes: p.scope.split(' ').filter((s) => s !== ''),
    ...(p.sub === p.client_id ? {} : { subject: p.sub }),
    ...(p.fhirUser === undefined ? {} : { fhirUser: p.fhirUser }),
    ...(p.patient === undefined ? {} : { patient: p.patient }),
    ...(p.encounter === undefined ? {} : { encounter: p.encounter }),
    ...(p.fhirContext === undefined ? {} : { fhirContext: p.fhirContext }),
    ...(p.need_patient_banner === undefined ? {} : { needPatientBanner: p.need_patient_banner }),
    ...(p.purpose_of_use === undefined ? {} : { purposeOfUse: p.purpose_of_use }),
    ...(p.launched_by === undefined ? {} : { launchedBy: p.launched_by }),
    ...(p.family === undefined ? {} : { family: p.family }),
    jti: p.jti,
    issuedAt: p.iat,
    expiresAt: p.exp,
  };
}

function isString(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

function optional(value: unknown, check: (v: unknown) => boolean): boolean {
  return value === undefined || check(value);
}
