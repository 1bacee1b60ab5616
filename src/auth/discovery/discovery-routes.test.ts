import type { Clock } from '../../kernel/clock';
import type { WebRequest, WebRoute } from '../../kernel/web-route';
import { MemoryStateStore } from '../../store/state/memory-state-store';
import { buildCapabilityStatement } from '../../fhir/conformance/capability-statement';
import { loadDefinitions } from '../../fhir/conformance/definitions';
import { authUrls } from '../auth-urls';
import { createTokenService } from '../tokens/token-service';
import { capabilitySecurity } from './capability-security';
import { smartConfigurationPath } from './smart-configuration';

const clock: Clock = { now: () => new Date('2026-03-01T10:00:00Z') };
const config = { baseUrl: 'https://region.example/lucarne/fhir', accessTokenSeconds: 900, signingKeyRotationHours: 24, refreshTokenDays: 30 };

const request = (path: string): WebRequest => ({ method: 'GET', path, query: new URLSearchParams(), headers: { accept: 'text/html' }, body: '', requestId: 'r' });

function route(routes: WebRoute[], path: string): WebRoute {
  const found = routes.find((r) => r.method === 'GET' && r.path === path);
  if (!found) throw new Error(`no route GET ${path} in ${routes.map((r) => r.path).join(', ')}`);
  return found;
}

describe('discovery', () => {
  const service = createTokenService({ config, state: new MemoryStateStore(clock), clock });

  it('serves exactly three GET routes, at server-root-relative paths', () => {
    expect(service.routes.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /fhir/.well-known/smart-configuration',
      'GET /auth/.well-known/openid-configuration',
      'GET /auth/jwks',
    ]);
  });

  it('puts the SMART configuration under the FHIR base, relative to the root the auth URLs share', () => {
    expect(smartConfigurationPath(authUrls({ baseUrl: 'http://localhost:8080/fhir/' }))).toBe('/fhir/.well-known/smart-configuration');
    expect(smartConfigurationPath(authUrls({ baseUrl: 'https://h.example/prefix/fhir' }))).toBe('/fhir/.well-known/smart-configuration');
    // A base not ending in /fhir is itself the root of the auth URLs (authUrls): the document sits at its top.
    expect(smartConfigurationPath(authUrls({ baseUrl: 'https://h.example/api' }))).toBe('/.well-known/smart-configuration');
    expect(smartConfigurationPath(authUrls({ baseUrl: 'https://h.example' }))).toBe('/.well-known/smart-configuration');
  });

  it('GET [base]/.well-known/smart-configuration: every SMART 2.x field that applies, as JSON whatever Accept says', async () => {
    const response = await route(service.routes, '/fhir/.well-known/smart-configuration').handle(request('/fhir/.well-known/smart-configuration'));
    expect(response.status).toBe(200);
    expect(response.headers).toEqual({ 'Content-Type': 'application/json', 'Cache-Control': 'public, max-age=3600' });
    const body = response.body as Record<string, unknown>;
    expect(body.issuer).toBe('https://region.example/lucarne/auth');
    expect(body.jwks_uri).toBe('https://region.example/lucarne/auth/jwks');
    expect(body.authorization_endpoint).toBe('https://region.example/lucarne/auth/authorize');
    expect(body.token_endpoint).toBe('https://region.example/lucarne/auth/token');
    expect(body.introspection_endpoint).toBe('https://region.example/lucarne/auth/introspect');
    expect(body.revocation_endpoint).toBe('https://region.example/lucarne/auth/revoke');
    expect(body.management_endpoint).toBe('https://region.example/lucarne/auth/manage');
    expect(body).not.toHaveProperty('registration_endpoint');
    expect(body.grant_types_supported).toEqual(['authorization_code', 'refresh_token', 'client_credentials']);
    expect(body.token_endpoint_auth_methods_supported).toEqual(['client_secret_basic', 'private_key_jwt']);
    expect(body.token_endpoint_auth_signing_alg_values_supported).toEqual(['RS384', 'ES384']);
    expect(body.code_challenge_methods_supported).toEqual(['S256']);
    expect(body.response_types_supported).toEqual(['code']);
    expect(body.capabilities).toEqual([
      'launch-ehr',
      'launch-standalone',
      'client-public',
      'client-confidential-symmetric',
      'client-confidential-asymmetric',
      'context-ehr-patient',
      'context-standalone-patient',
      'sso-openid-connect',
      'permission-offline',
      'permission-online',
      'permission-patient',
      'permission-user',
      'permission-v1',
      'permission-v2',
      'authorize-post',
    ]);
    const scopes = body.scopes_supported as string[];
    for (const s of ['openid', 'fhirUser', 'launch', 'launch/patient', 'offline_access', 'online_access', 'patient/*.rs', 'user/*.cruds', 'system/*.rs', 'patient/*.read'])
      expect(scopes).toContain(s);
    expect(scopes).not.toContain('launch/encounter'); // no context-standalone-encounter capability
    expect(Object.keys(body).sort()).toEqual(
      [
        'issuer',
        'jwks_uri',
        'authorization_endpoint',
        'token_endpoint',
        'introspection_endpoint',
        'revocation_endpoint',
        'management_endpoint',
        'grant_types_supported',
        'token_endpoint_auth_methods_supported',
        'token_endpoint_auth_signing_alg_values_supported',
        'code_challenge_methods_supported',
        'response_types_supported',
        'scopes_supported',
        'capabilities',
      ].sort(),
    );
  });

  it('GET /auth/.well-known/openid-configuration: the OpenID Connect discovery of the issuer', async () => {
    const response = await route(service.routes, '/auth/.well-known/openid-configuration').handle(request('/auth/.well-known/openid-configuration'));
    expect(response.status).toBe(200);
    expect(response.headers).toEqual({ 'Content-Type': 'application/json', 'Cache-Control': 'public, max-age=3600' });
    expect(response.body).toEqual({
      issuer: 'https://region.example/lucarne/auth',
      jwks_uri: 'https://region.example/lucarne/auth/jwks',
      authorization_endpoint: 'https://region.example/lucarne/auth/authorize',
      token_endpoint: 'https://region.example/lucarne/auth/token',
      id_token_signing_alg_values_supported: ['ES256'],
      subject_types_supported: ['public'],
      response_types_supported: ['code'],
      scopes_supported: ['openid', 'fhirUser'],
      claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'nonce', 'fhirUser'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'private_key_jwt'],
    });
    // The issuer's discovery document lives where OpenID Connect says: {issuer}/.well-known/openid-configuration.
    expect(service.urls.url('/auth/.well-known/openid-configuration')).toBe(`${(response.body as { issuer: string }).issuer}/.well-known/openid-configuration`);
  });

  it('GET /auth/jwks: the public signing keys, briefly cacheable, and the key that signs tokens is among them', async () => {
    const { accessToken } = await service.issuer.issueAccessToken({ clientId: 'c', scopes: ['system/*.rs'] });
    const response = await route(service.routes, '/auth/jwks').handle(request('/auth/jwks'));
    expect(response.status).toBe(200);
    expect(response.headers).toEqual({ 'Content-Type': 'application/json', 'Cache-Control': 'public, max-age=300' });
    const body = response.body as { keys: Record<string, unknown>[] };
    expect(body.keys).toHaveLength(1);
    const [key] = body.keys;
    expect(Object.keys(key).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(key.kid).toBe(JSON.parse(Buffer.from(accessToken.split('.')[0], 'base64url').toString()).kid);
  });
});

describe('CapabilityStatement rest.security', () => {
  const urls = authUrls(config);

  it('names SMART-on-FHIR with the oauth-uris extension', () => {
    expect(capabilitySecurity(urls)).toEqual({
      service: [
        {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR', display: 'SMART-on-FHIR' }],
          text: 'SMART on FHIR (OAuth 2.0 bearer tokens)',
        },
      ],
      extension: [
        {
          url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
          extension: [
            { url: 'authorize', valueUri: 'https://region.example/lucarne/auth/authorize' },
            { url: 'token', valueUri: 'https://region.example/lucarne/auth/token' },
            { url: 'introspect', valueUri: 'https://region.example/lucarne/auth/introspect' },
            { url: 'revoke', valueUri: 'https://region.example/lucarne/auth/revoke' },
            { url: 'manage', valueUri: 'https://region.example/lucarne/auth/manage' },
          ],
        },
      ],
      description: 'SMART App Launch 2.x: discovery at [base]/.well-known/smart-configuration.',
    });
  });

  it('appears in the generated CapabilityStatement when given, and only then', () => {
    const definitions = loadDefinitions();
    const routes = [{ method: 'GET', pattern: ':type/:id' }];
    const build = (security?: ReturnType<typeof capabilitySecurity>) =>
      buildCapabilityStatement(definitions, { baseUrl: config.baseUrl, allowMultipleDelete: false }, routes, { date: '2026-03-01T00:00:00Z', security }).rest![0];
    expect(build(capabilitySecurity(urls)).security).toEqual(capabilitySecurity(urls));
    expect(build()).not.toHaveProperty('security');
  });
});
