import { MemoryStateStore } from '../../store/state/memory-state-store';
import { OAuthError, type RegisteredClient } from '../contracts';
import { clientView, createClientRegistry } from './client-registry';
import { verifySecret } from './secret-hash';

const EC_PUBLIC = { kty: 'EC', crv: 'P-384', kid: 'k1', x: 'AQ', y: 'AQ' };

function base(overrides: Partial<RegisteredClient> = {}): RegisteredClient {
  return { clientId: 'app', name: 'App', type: 'public', redirectUris: ['https://app.example/cb'], allowedScopes: ['patient/*.rs', 'launch/patient', 'openid'], ...overrides };
}

async function refusal(promise: Promise<unknown>): Promise<{ error: string; status: number; description: string }> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof OAuthError) return { error: e.error, status: e.status, description: e.description };
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('client registry', () => {
  it('adds, gets, lists and removes clients in the state store space `client`', async () => {
    const state = new MemoryStateStore();
    const registry = createClientRegistry(state);
    await registry.add(base({ clientId: 'b' }));
    await registry.add(base({ clientId: 'a', canLaunch: true }));
    expect((await registry.list()).map((c) => c.clientId)).toEqual(['a', 'b']);
    expect(await registry.get('a')).toMatchObject({ clientId: 'a', canLaunch: true });
    expect(await state.get('client', 'b')).toMatchObject({ clientId: 'b' });
    // Another registry on the same store (another process) sees them.
    expect(await createClientRegistry(state).get('b')).toBeDefined();
    expect(await registry.remove('a')).toBe(true);
    expect(await registry.remove('a')).toBe(false);
    expect(await registry.get('a')).toBeUndefined();
  });

  it('hashes a secret with scrypt (random salt) and never keeps it in clear', async () => {
    const registry = createClientRegistry(new MemoryStateStore());
    const secret = 'a-long-enough-client-secret';
    const one = await registry.add(base({ clientId: 's1', type: 'confidential-symmetric' }), secret);
    const two = await registry.add(base({ clientId: 's2', type: 'confidential-symmetric' }), secret);
    expect(one.secretHash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
    expect(one.secretHash).not.toEqual(two.secretHash);
    expect(JSON.stringify(await registry.get('s1'))).not.toContain(secret);
    expect(await verifySecret(secret, one.secretHash!)).toBe(true);
    expect(await verifySecret(`${secret}!`, one.secretHash!)).toBe(false);
    expect(await verifySecret(secret, 'scrypt$99999999$8$1$AA$AA')).toBe(false);
    expect(clientView(one)).not.toHaveProperty('secretHash');
  });

  it('refuses a taken id with 409', async () => {
    const registry = createClientRegistry(new MemoryStateStore());
    await registry.add(base());
    expect(await refusal(registry.add(base({ name: 'Other' })))).toMatchObject({ error: 'invalid_request', status: 409 });
    expect((await registry.get('app'))?.name).toBe('App');
  });

  it.each([
    ['a relative redirect URI', base({ redirectUris: ['/cb'] }), /absolute/],
    ['an http redirect URI on a non-loopback host', base({ redirectUris: ['http://app.example/cb'] }), /https/],
    ['a redirect URI with a fragment', base({ redirectUris: ['https://app.example/cb#x'] }), /fragment/],
    ['a javascript: redirect URI', base({ redirectUris: ['javascript:alert(1)'] }), /https/],
    ['a malformed scope', base({ allowedScopes: ['patient/*.rx'] }), /permissions/],
    ['an unknown scope', base({ allowedScopes: ['everything'] }), /unknown scope/],
    ['an asymmetric client without keys', base({ type: 'confidential-asymmetric' }), /jwks or jwksUri/],
    ['an asymmetric client with a private key', base({ type: 'confidential-asymmetric', jwks: { keys: [{ ...EC_PUBLIC, d: 'AQ' }] } }), /public keys only/],
    ['an asymmetric client with an http JWKS URL', base({ type: 'confidential-asymmetric', jwksUri: 'http://keys.example/jwks' }), /https/],
    ['a symmetric client without a secret', base({ type: 'confidential-symmetric' }), /secret/],
    ['a public client with keys', base({ jwks: { keys: [EC_PUBLIC] } }), /only an asymmetric/],
    ['an unknown type', base({ type: 'trusted' as never }), /type/],
    ['an id with spaces', base({ clientId: 'my app' }), /clientId/],
  ])('refuses %s', async (_what, client, message) => {
    const refused = await refusal(createClientRegistry(new MemoryStateStore()).add(client));
    expect(refused).toMatchObject({ error: 'invalid_request', status: 400 });
    expect(refused.description).toMatch(message);
  });

  it('accepts loopback http redirect URIs, the admin scope, and asymmetric clients with a JWKS or its URL', async () => {
    const registry = createClientRegistry(new MemoryStateStore());
    await registry.add(base({ redirectUris: ['http://127.0.0.1:8123/cb', 'http://localhost/cb'], allowedScopes: ['user/*.cruds', 'admin', 'system/Observation.rs?category=imaging'] }));
    await registry.add(base({ clientId: 'k1', type: 'confidential-asymmetric', jwks: { keys: [EC_PUBLIC] } }));
    await registry.add(base({ clientId: 'k2', type: 'confidential-asymmetric', jwksUri: 'https://keys.example/jwks.json' }));
    expect(await registry.list()).toHaveLength(3);
    expect(await refusal(registry.add(base({ clientId: 'short', type: 'confidential-symmetric' }), 'short'))).toMatchObject({ status: 400 });
  });
});
