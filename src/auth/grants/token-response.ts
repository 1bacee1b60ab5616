import type { TokenGrant, TokenIssuer, TokenResponse } from '../contracts';

/**
 * The token response of a user grant: the access token, the SMART launch context of the grant, an id_token when
 * `openid` is granted to a signed-in user, and the refresh token when there is one.
 */
export async function userTokenResponse(issuer: TokenIssuer, grant: TokenGrant, extra: { refreshToken?: string; nonce?: string } = {}): Promise<TokenResponse> {
  const token = await issuer.issueAccessToken(grant);
  const idToken = grant.scopes.includes('openid') && grant.subject !== undefined ? await issuer.issueIdToken(grant, extra.nonce) : undefined;
  return {
    access_token: token.accessToken,
    token_type: 'Bearer',
    expires_in: token.expiresIn,
    scope: grant.scopes.join(' '),
    ...(extra.refreshToken === undefined ? {} : { refresh_token: extra.refreshToken }),
    ...(idToken === undefined ? {} : { id_token: idToken }),
    ...(grant.patient === undefined ? {} : { patient: grant.patient }),
    ...(grant.encounter === undefined ? {} : { encounter: grant.encounter }),
    ...(grant.fhirContext === undefined ? {} : { fhirContext: grant.fhirContext }),
    ...(grant.needPatientBanner === undefined ? {} : { need_patient_banner: grant.needPatientBanner }),
  };
}
