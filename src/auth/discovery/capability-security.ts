import type { CapabilityStatementRestSecurity } from '@medplum/fhirtypes';
import type { AuthUrls } from '../auth-urls';
import { AUTH_PATHS } from './smart-configuration';

export const OAUTH_URIS_EXTENSION = 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris';
export const RESTFUL_SECURITY_SERVICE = 'http://terminology.hl7.org/CodeSystem/restful-security-service';

/**
 * The CapabilityStatement's `rest.security` (SMART v1 discovery, deprecated but harmless): SMART-on-FHIR and
 * the oauth-uris extension. No `register` URI: dynamic registration is not offered.
 */
export function capabilitySecurity(urls: AuthUrls): CapabilityStatementRestSecurity {
  const uri = (url: string, path: string) => ({ url, valueUri: urls.url(path) });
  return {
    service: [
      {
        coding: [{ system: RESTFUL_SECURITY_SERVICE, code: 'SMART-on-FHIR', display: 'SMART-on-FHIR' }],
        text: 'SMART on FHIR (OAuth 2.0 bearer tokens)',
      },
    ],
    extension: [
      {
        url: OAUTH_URIS_EXTENSION,
        extension: [
          uri('authorize', AUTH_PATHS.authorize),
          uri('token', AUTH_PATHS.token),
          uri('introspect', AUTH_PATHS.introspect),
          uri('revoke', AUTH_PATHS.revoke),
          uri('manage', AUTH_PATHS.manage),
        ],
      },
    ],
    description: 'SMART App Launch 2.x: discovery at [base]/.well-known/smart-configuration.',
  };
}
