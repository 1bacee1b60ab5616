import { decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose';
import type { Clock } from '../../kernel/clock';
import { MemoryStateStore } from '../../store/state/memory-state-store';
import { createTokenService } from '../tokens/token-service';
import { generateSigningKey } from './signing-key';
import { createSigningKeys } from './signing-keys';

class FakeClock implements Clock {
  constructor(public ms = Date.parse('2026-03-01T10:00:00Z')) {}
  now() {
    return new Date(this.ms);
  }
  advance(seconds: number) {
    this.ms += seconds * 1000;
  }
}

const HOUR = 3600;
const config = { baseUrl: 'http://127.0.0.1:8080/fhir', accessTokenSeconds: 900, signingKeyRotationHours: 24, refreshTokenDays: 30 };
const grant = { clientId: 'viewer', scopes: ['user/*.rs'], subject: 'local:alice' };

/** A state store that counts the reads of the signing keys. */
class CountingStore extends MemoryStateStore {
  lists = 0;
  override async list(space: string) {
    if (space === 'signing-key') this.lists++;
    return super.list(space);
  }
}

const kidOf = (token: string) => decodeProtectedHeader(token).kid;

describe('signing keys', () => {
  it('are made on first use, kept in the state store, and published without their private part', async () => {
    const clock = new FakeClock();
    const state = new MemoryStateStore(clock);
    const keys = createSigningKeys({ state, clock, rotationHours: 24, tokenSeconds: 900 });
    const key = await keys.current();
    const stored = await state.list('signing-key');
    expect(stored).toHaveLength(1);
    expect(stored[0].key).toBe(key.kid);
    expect(stored[0].expiresAt).toBeUndefined();
    expect(stored[0].value).toEqual({
      kid: key.kid,
      createdAt: clock.ms,
      privateJwk: { kty: 'EC', crv: 'P-256', x: expect.any(String), y: expect.any(String), d: expect.any(String) },
      publicJwk: { kty: 'EC', crv: 'P-256', x: expect.any(String), y: expect.any(String) },
    });
    const jwks = await keys.jwks();
    expect(jwks).toEqual({ keys: [{ kty: 'EC', crv: 'P-256', x: expect.any(String), y: expect.any(String), kid: key.kid, alg: 'ES256', use: 'sig' }] });
    expect(jwks.keys[0]).not.toHaveProperty('d');
    expect((await keys.current()).kid).toBe(key.kid);
    expect(await state.list('signing-key')).toHaveLength(1);
  });

  it('rotate at the rotation age; old tokens verify until they expire, then the old key leaves the JWKS and the store', async () => {
    const clock = new FakeClock();
    const state = new MemoryStateStore(clock);
    const service = createTokenService({ config, state, clock });
    const first = await service.issuer.issueAccessToken(grant);
    clock.advance(24 * HOUR - 60);
    const lastOfFirstKey = await service.issuer.issueAccessToken(grant);
    expect(kidOf(lastOfFirstKey.accessToken)).toBe(kidOf(first.accessToken));

    clock.advance(60);
    const rotated = await service.issuer.issueAccessToken(grant);
    const oldKid = kidOf(first.accessToken);
    const newKid = kidOf(rotated.accessToken);
    expect(newKid).not.toBe(oldKid);
    expect((await service.keys.jwks()).keys.map((k) => k.kid)).toEqual([newKid, oldKid]);
    expect(await service.verifier.verify(lastOfFirstKey.accessToken)).toBeDefined();
    expect(await service.verifier.verify(rotated.accessToken)).toBeDefined();

    // The old key stays for the token lifetime (900 s) plus the margin (300 s) after its retirement.
    const retired = (await state.list('signing-key')).find((e) => e.key === oldKid)!;
    expect(retired.value.retiredAt).toBe(clock.ms);
    expect(retired.expiresAt).toBe(clock.ms + 1200 * 1000);
    clock.advance(840 - 60);
    expect(await service.verifier.verify(lastOfFirstKey.accessToken)).toBeDefined();
    clock.advance(1200 - 780 + 1);
    expect((await service.keys.jwks()).keys.map((k) => k.kid)).toEqual([newKid]);
    expect((await state.list('signing-key')).map((e) => e.key)).toEqual([newKid]);
    expect(await service.keys.byKid(oldKid!)).toBeUndefined();
    expect(await service.verifier.verify(rotated.accessToken)).toBeUndefined(); // expired by now, too
  });

  it('are shared by processes on one state store: a token of one verifies at the other, whichever made the key', async () => {
    const clock = new FakeClock();
    const state = new MemoryStateStore(clock);
    const a = createTokenService({ config, state, clock });
    const b = createTokenService({ config, state, clock });
    const fromA = await a.issuer.issueAccessToken(grant);
    expect(await b.verifier.verify(fromA.accessToken)).toBeDefined();
    const fromB = await b.issuer.issueAccessToken(grant);
    expect(kidOf(fromB.accessToken)).toBe(kidOf(fromA.accessToken));
    expect(await a.verifier.verify(fromB.accessToken)).toBeDefined();

    // A rotates; B, which knows only the old key, learns the new one from the unknown kid.
    clock.advance(24 * HOUR);
    const rotatedAtA = await a.issuer.issueAccessToken(grant);
    expect(kidOf(rotatedAtA.accessToken)).not.toBe(kidOf(fromA.accessToken));
    expect(await b.verifier.verify(rotatedAtA.accessToken)).toBeDefined();
    // B's rotation finds A's key rather than making its own.
    const rotatedAtB = await b.issuer.issueAccessToken(grant);
    expect(kidOf(rotatedAtB.accessToken)).toBe(kidOf(rotatedAtA.accessToken));
    expect(await state.list('signing-key')).toHaveLength(2);
    expect((await b.keys.jwks()).keys.map((k) => k.kid)).toEqual((await a.keys.jwks()).keys.map((k) => k.kid));
  });

  it('make only one new key when processes rotate at once', async () => {
    const clock = new FakeClock();
    const state = new MemoryStateStore(clock);
    const processes = Array.from({ length: 4 }, () => createTokenService({ config, state, clock }));
    await Promise.all(processes.map((p) => p.issuer.issueAccessToken(grant)));
    expect(await state.list('signing-key')).toHaveLength(1);
    clock.advance(24 * HOUR + 1);
    const tokens = await Promise.all(processes.map((p) => p.issuer.issueAccessToken(grant)));
    expect(new Set(tokens.map((t) => kidOf(t.accessToken))).size).toBe(1);
    expect(await state.list('signing-key')).toHaveLength(2);
    for (const p of processes) for (const t of tokens) expect(await p.verifier.verify(t.accessToken)).toBeDefined();
  });

  it('re-read the store for unknown kids at most once a second', async () => {
    const clock = new FakeClock();
    const state = new CountingStore(clock);
    const service = createTokenService({ config, state, clock });
    await service.issuer.issueAccessToken(grant);
    const attacker = await generateKeyPair('ES256');
    const forged = (kid: string) =>
      new SignJWT({ client_id: 'viewer', scope: 'user/*.rs', jti: kid })
        .setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' })
        .setIssuer(service.urls.issuer)
        .setAudience(service.urls.fhirBase)
        .setSubject('x')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(attacker.privateKey);
    clock.advance(2);
    const before = state.lists;
    for (let i = 0; i < 200; i++) expect(await service.verifier.verify(await forged(`kid-${i}`))).toBeUndefined();
    expect(state.lists - before).toBe(1);
    clock.advance(1);
    await Promise.all(Array.from({ length: 50 }, (_, i) => service.verifier.verify('x').then(() => service.keys.byKid(`other-${i}`))));
    expect(state.lists - before).toBe(2);
  });

  it('record the retirement of a key whose successor was made without recording it', async () => {
    const clock = new FakeClock();
    const state = new MemoryStateStore(clock);
    const options = { state, clock, rotationHours: 1, tokenSeconds: 600, retentionMarginSeconds: 60 };
    const old = await createSigningKeys(options).current();
    clock.advance(HOUR);
    // Another process inserted the successor and stopped before marking the old key retired.
    const successor = await generateSigningKey('successor', clock.ms);
    await state.insert('signing-key', 'successor', successor);
    clock.advance(10);
    const keys = createSigningKeys(options);
    expect((await keys.current()).kid).toBe('successor');
    const entry = (await state.list('signing-key')).find((e) => e.key === old.kid)!;
    expect(entry.value.retiredAt).toBe(successor.createdAt);
    expect(entry.expiresAt).toBe(successor.createdAt + 660 * 1000);
    expect((await keys.jwks()).keys.map((k) => k.kid)).toEqual(['successor', old.kid]);
    clock.advance(650);
    expect((await keys.jwks()).keys.map((k) => k.kid)).toEqual(['successor']);
  });
});
