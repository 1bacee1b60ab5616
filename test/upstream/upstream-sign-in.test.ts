import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Practitioner } from '@medplum/fhirtypes';
import { createUserServices } from '../../src/auth/users/user-services';
import { createUpstreamSignIn, type UpstreamSettings } from '../../src/auth/upstream/oidc-upstream-sign-in';
import { RPPS_SYSTEM } from '../../src/auth/upstream/practitioner-by-rpps';
import { UpstreamSignInError } from '../../src/auth/upstream/upstream-error';
import type { UpstreamSignIn } from '../../src/auth/contracts';
import { loadConfig } from '../../src/config/load-config';
import { loadDefinitions } from '../../src/fhir/conformance/definitions';
import { systemClock } from '../../src/kernel/clock';
import { silentLogger } from '../../src/kernel/logger';
import { MemoryStateStore } from '../../src/store/state/memory-state-store';
import { openEmbeddedStore, type EmbeddedStore } from '../../src/store/embedded/embedded-store';
import { createEmbeddedSearchIndex } from '../../src/store/embedded/search/embedded-search-index';
import { signInAsBrowser } from './browser-sign-in';
import { startProvider, type RunningProvider } from './oidc-provider-process';

/**
 * The upstream OpenID Connect sign-in against a real provider (npm oidc-provider in a child process): the
 * browser's round trip through its login and consent pages, then the code exchange, the id_token checks
 * and the Practitioner found by RPPS in the real embedded store.
 */

const REDIRECT_URI = 'http://127.0.0.1:9/lucarne/sign-in/callback';
// client_secret_basic form-encodes id and secret before base64 (RFC 6749 §2.3.1): characters that need it must survive.
const CLIENT = { client_id: 'lucarne:test', client_secret: 'a secret: with + / % & =', redirect_uris: [REDIRECT_URI] };
const SIGNED_USERINFO_CLIENT = { client_id: 'lucarne-signed', client_secret: 'another-secret', redirect_uris: [REDIRECT_URI], userinfo_signed_response_alg: 'RS256' };
const RPPS_CLAIM = 'SubjectNameID'; // the configuration's default (config-schema oidcRppsClaim)
const ACCOUNTS = {
  alice: { SubjectNameID: '810002909371', given_name: 'Alice', family_name: 'Martin' },
  bob: { SubjectNameID: '899999999999', name: 'Bob Unknown' },
  carol: { name: 'Carol Without RPPS' },
  twins: { SubjectNameID: '810000000042', name: 'One of two' },
};

let dir: string;
let store: EmbeddedStore;
let provider: RunningProvider;
let idTokenProvider: RunningProvider;
let impostor: RunningProvider;
let alice: string;

beforeAll(async () => {
  [provider, idTokenProvider, impostor] = await Promise.all([
    startProvider({ clients: [CLIENT, SIGNED_USERINFO_CLIENT], accounts: ACCOUNTS }),
    startProvider({ clients: [CLIENT], accounts: ACCOUNTS, claimsInIdToken: true }),
    // Answers discovery on 127.0.0.1 but names itself another issuer (a look-alike of the configured one).
    startProvider({ clients: [CLIENT], accounts: ACCOUNTS, issuer: 'https://idp.example.test' }),
  ]);
  dir = mkdtempSync(join(tmpdir(), 'lucarne-upstream-'));
  store = openEmbeddedStore({ dataDir: dir, index: createEmbeddedSearchIndex(loadDefinitions()), durability: 'normal' });
  alice = (await store.create(practitioner('p-alice', '810002909371'))).resource!.id!;
  await store.create(practitioner('p-twin-1', '810000000042'));
  await store.create(practitioner('p-twin-2', '810000000042'));
  // Same value under another system: not an RPPS, so never the signed-in professional.
  await store.create({ ...practitioner('p-other-system', '899999999999'), identifier: [{ system: 'urn:oid:1.2.250.1.71.4.2.2', value: '899999999999' }] });
}, 60_000);

afterAll(async () => {
  await Promise.all([provider?.stop(), idTokenProvider?.stop(), impostor?.stop()]);
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function practitioner(id: string, rpps: string): Practitioner & { id: string } {
  return { resourceType: 'Practitioner', id, identifier: [{ system: RPPS_SYSTEM, value: rpps }], name: [{ family: id }] };
}

function upstream(issuer: string, overrides: Partial<UpstreamSettings> = {}, fetchFn?: typeof fetch): UpstreamSignIn {
  return createUpstreamSignIn(
    { issuer, clientId: CLIENT.client_id, clientSecret: CLIENT.client_secret, rppsClaim: RPPS_CLAIM, ...overrides },
    { store, clock: systemClock, logger: silentLogger(), ...(fetchFn ? { fetch: fetchFn } : {}) },
  );
}

const random = () => randomBytes(16).toString('base64url');

/** authorizationUrl, then the browser's round trip at the provider: the callback query, state and nonce. */
async function signIn(signIn: UpstreamSignIn, login: string) {
  const state = random();
  const nonce = random();
  const url = await signIn.authorizationUrl(REDIRECT_URI, state, nonce);
  const callback = await signInAsBrowser(url, REDIRECT_URI, login);
  expect(callback.searchParams.get('state')).toBe(state);
  expect(callback.searchParams.get('code')).toBeTruthy();
  return { query: callback.searchParams, state, nonce };
}

async function refusal(promise: Promise<unknown>): Promise<UpstreamSignInError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UpstreamSignInError);
  return error as UpstreamSignInError;
}

describe('upstream sign-in against a real OpenID provider', () => {
  it('signs a professional in as their Practitioner, built from the configuration as the server does', async () => {
    const services = createUserServices({
      config: loadConfig({
        env: { LUCARNE_OIDC_ISSUER: provider.issuer, LUCARNE_OIDC_CLIENT_ID: CLIENT.client_id, LUCARNE_OIDC_CLIENT_SECRET: CLIENT.client_secret },
      }),
      state: new MemoryStateStore(systemClock),
      clock: systemClock,
      store,
      logger: silentLogger(),
    });
    expect(services.upstream).toBeDefined();
    const { query, nonce } = await signIn(services.upstream!, 'alice');
    expect(query.get('iss')).toBe(provider.issuer);
    const user = await services.upstream!.complete(query, REDIRECT_URI, nonce);
    expect(user).toEqual({ subject: `oidc:${provider.issuer}#alice`, displayName: 'Alice Martin', fhirUser: `Practitioner/${alice}` });
  });

  it('sends PKCE S256 and the nonce in the authorization request', async () => {
    const url = new URL(await upstream(provider.issuer).authorizationUrl(REDIRECT_URI, 'the-state', 'the-nonce'));
    expect(url.origin + url.pathname).toBe(`${provider.url}/auth`);
    expect(Object.fromEntries(url.searchParams)).toEqual(expect.objectContaining({
      response_type: 'code', client_id: CLIENT.client_id, redirect_uri: REDIRECT_URI, state: 'the-state', nonce: 'the-nonce', code_challenge_method: 'S256',
    }));
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('scope')?.split(' ')).toContain('openid');
  });

  it('reads the RPPS from the id_token when the provider puts it there, without calling userinfo', async () => {
    const fetched: string[] = [];
    const spying: typeof fetch = (input, init) => {
      fetched.push(String(input instanceof Request ? input.url : input));
      return fetch(input, init);
    };
    const signInAt = upstream(idTokenProvider.issuer, {}, spying);
    const { query, nonce } = await signIn(signInAt, 'alice');
    expect(await signInAt.complete(query, REDIRECT_URI, nonce)).toEqual(expect.objectContaining({ fhirUser: `Practitioner/${alice}`, displayName: 'Alice Martin' }));
    expect(fetched.some((u) => u.endsWith('/me'))).toBe(false);
    expect(fetched.some((u) => u.endsWith('/token'))).toBe(true);
  });

  it('accepts a signed userinfo answer (application/jwt) verified against the provider\'s keys', async () => {
    const signInAt = upstream(provider.issuer, { clientId: SIGNED_USERINFO_CLIENT.client_id, clientSecret: SIGNED_USERINFO_CLIENT.client_secret });
    const { query, nonce } = await signIn(signInAt, 'alice');
    expect((await signInAt.complete(query, REDIRECT_URI, nonce)).fhirUser).toBe(`Practitioner/${alice}`);
  });

  it('redeems a code once: the same callback a second time is refused', async () => {
    const signInAt = upstream(provider.issuer);
    const { query, nonce } = await signIn(signInAt, 'alice');
    await signInAt.complete(query, REDIRECT_URI, nonce);
    expect((await refusal(signInAt.complete(query, REDIRECT_URI, nonce))).reason).toBe('code-refused');
  });

  it('refuses a callback whose state, code or redirect URI is not the sign-in\'s', async () => {
    const signInAt = upstream(provider.issuer);
    const { query, nonce } = await signIn(signInAt, 'alice');
    const otherState = new URLSearchParams(query);
    otherState.set('state', random());
    expect((await refusal(signInAt.complete(otherState, REDIRECT_URI, nonce))).reason).toBe('code-refused');
    const otherCode = new URLSearchParams(query);
    otherCode.set('code', random());
    expect((await refusal(signInAt.complete(otherCode, REDIRECT_URI, nonce))).reason).toBe('code-refused');
    expect((await refusal(signInAt.complete(query, `${REDIRECT_URI}/other`, nonce))).reason).toBe('code-refused');
    const noState = new URLSearchParams(query);
    noState.delete('state');
    expect((await refusal(signInAt.complete(noState, REDIRECT_URI, nonce))).reason).toBe('callback-incomplete');
  });

  it('refuses a wrong nonce, and an id_token whose nonce is not the sign-in\'s', async () => {
    const signInAt = upstream(provider.issuer);
    const first = await signIn(signInAt, 'alice');
    const refused = await refusal(signInAt.complete(first.query, REDIRECT_URI, random()));
    expect(refused.reason).toBe('code-refused'); // the PKCE verifier depends on the nonce too
    expect(refused.message).not.toMatch(/eyJ/);

    // The nonce swapped in the authorization URL (PKCE unchanged): the provider signs the swapped one.
    const state = random();
    const nonce = random();
    const url = new URL(await signInAt.authorizationUrl(REDIRECT_URI, state, nonce));
    url.searchParams.set('nonce', random());
    const callback = await signInAsBrowser(url.toString(), REDIRECT_URI, 'alice');
    expect((await refusal(signInAt.complete(callback.searchParams, REDIRECT_URI, nonce))).reason).toBe('nonce-mismatch');
  });

  it('refuses a wrong client secret at the token endpoint', async () => {
    const signInAt = upstream(provider.issuer, { clientSecret: 'not the secret' });
    const { query, nonce } = await signIn(signInAt, 'alice');
    expect((await refusal(signInAt.complete(query, REDIRECT_URI, nonce))).reason).toBe('code-refused');
  });

  it('signs in a professional whose RPPS no Practitioner holds, or several do, without a fhirUser', async () => {
    const signInAt = upstream(provider.issuer);
    for (const login of ['bob', 'carol', 'twins']) {
      const { query, nonce } = await signIn(signInAt, login);
      const user = await signInAt.complete(query, REDIRECT_URI, nonce);
      expect(user.subject).toBe(`oidc:${provider.issuer}#${login}`);
      expect(user.fhirUser).toBeUndefined();
    }
  });

  it('refuses a provider that names itself another issuer than the configured one', async () => {
    expect((await refusal(upstream(impostor.url).authorizationUrl(REDIRECT_URI, random(), random()))).reason).toBe('issuer-mismatch');
    // The configured issuer with a trailing slash is another issuer (OpenID Connect Discovery §4.3).
    expect((await refusal(upstream(`${provider.issuer}/`).authorizationUrl(REDIRECT_URI, random(), random()))).reason).toBe('issuer-mismatch');
  });

  it('refuses a callback naming another issuer (RFC 9207), and an id_token of another issuer', async () => {
    const signInAt = upstream(provider.issuer);
    const { query, nonce } = await signIn(signInAt, 'alice');
    const mixedUp = new URLSearchParams(query);
    mixedUp.set('iss', impostor.issuer);
    expect((await refusal(signInAt.complete(mixedUp, REDIRECT_URI, nonce))).reason).toBe('issuer-mismatch');

    // The second provider's token endpoint behind the first one's discovery: its id_token is refused.
    const swapped: typeof fetch = async (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      const res = await fetch(input, init);
      if (!url.endsWith('/.well-known/openid-configuration')) return res;
      const meta = (await res.json()) as Record<string, string>;
      return Response.json({ ...meta, token_endpoint: `${idTokenProvider.url}/token`, jwks_uri: `${idTokenProvider.url}/jwks` });
    };
    const confused = upstream(provider.issuer, {}, swapped);
    const state = random();
    const nonce2 = random();
    const authorize = new URL(await confused.authorizationUrl(REDIRECT_URI, state, nonce2));
    const callback = await signInAsBrowser(`${idTokenProvider.url}/auth${authorize.search}`, REDIRECT_URI, 'alice');
    callback.searchParams.delete('iss');
    expect((await refusal(confused.complete(callback.searchParams, REDIRECT_URI, nonce2))).reason).toBe('id-token-invalid');
  });

  it('tells a cancelled sign-in from other refusals', async () => {
    const signInAt = upstream(provider.issuer);
    const callback = await signInAsBrowser(await signInAt.authorizationUrl(REDIRECT_URI, random(), random()), REDIRECT_URI, 'alice', { abort: true });
    const refused = await refusal(signInAt.complete(callback.searchParams, REDIRECT_URI, random()));
    expect(refused.reason).toBe('provider-access_denied');
    expect(refused.message).toBe('The sign-in was cancelled.');
  });
});
