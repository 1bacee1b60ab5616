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
/** The end of the rotation period (24 h, from the epoch) the fake clock starts in. */
const BOUNDARY = Date.parse('2026-03-02T00:00:00Z');
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
      activeAt: Date.parse('2026-03-01T00:00:00Z'),
      privateJwk: { kty: 'EC', crv: 'P-256', x: expect.any(String), y: expect.any(String), d: expect.any(String) },
      publicJwk: { kty: 'EC', crv: 'P-256', x: expect.any(String), y: expect.any(String) },
    });
    const jwks = await keys.jwks();
    expect(jwks).toEqual({ keys: [{ kty: 'EC', crv: 'P-256', x: expect.any(String), y: expect.any(String), kid: key.kid, alg: 'ES256', use: 'sig' }] });
    expect(jwks.keys[0]).not.toHaveProperty('d');
    expect((await keys.current()).kid).toBe(key.kid);
    expect(await state.list('signing-key')).toHaveLength(1);
  });

  it('rotate at each period: the next key is published ahead, signs from its period on; old tokens verify until they expire, then the old key goes', async () => {
    const clock = new FakeClock();
    const state = new MemoryStateStore(clock);
    const service = createTokenService({ config, state, clock });
    const first = await service.issuer.issueAccessToken(grant);
    const oldKid = kidOf(first.accessToken);
    expect(oldKid).toBe(`es256-24h-${Math.floor(clock.ms / (24 * HOUR * 1000))}`);

    clock.ms = BOUNDARY - 11 * 60_000;
    expect(kidOf((await service.issuer.issueAccessToken(grant)).accessToken)).toBe(oldKid);
    expect((await service.keys.jwks()).keys.map((k) => k.kid)).toEqual([oldKid]);

    // Ten minutes before the period ends, the next key is made and published, but does not sign yet.
    clock.ms = BOUNDARY - 9 * 60_000;
    expect(kidOf((await service.issuer.issueAccessToken(grant)).accessToken)).toBe(oldKid);
    const jwks = (await service.keys.jwks()).keys.map((k) => k.kid);
    expect(jwks).toHaveLength(2);
    const newKid = jwks[0];
    expect(jwks).toEqual([newKid, oldKid]);
    const retired = (await state.list('signing-key')).find((e) => e.key === oldKid)!;
    // The old key stays for the token lifetime (900 s) plus the margin (300 s) after the new one takes over.
    expect(retired.value.retiredAt).toBe(BOUNDARY);
    expect(retired.expiresAt).toBe(BOUNDARY + 1200 * 1000);

    clock.ms = BOUNDARY - 60_000;
    const lastOfOldKey = await service.issuer.issueAccessToken(grant);
    expect(kidOf(lastOfOldKey.accessToken)).toBe(oldKid);
    clock.ms = BOUNDARY;
    const rotated = await service.issuer.issueAccessToken(grant);
    expect(kidOf(rotated.accessToken)).toBe(newKid);
    expect(await service.verifier.verify(lastOfOldKey.accessToken)).toBeDefined();
    expect(await service.verifier.verify(rotated.accessToken)).toBeDefined();

    clock.ms = BOUNDARY + 780_000;
    expect(await service.verifier.verify(lastOfOldKey.accessToken)).toBeDefined();
    clock.ms = BOUNDARY + 1_200_001;
    expect((await service.keys.jwks()).keys.map((k) => k.kid)).toEqual([newKid]);
    expect((await state.list('signing-key')).map((e) => e.key)).toEqual([newKid]);
    expect(await service.keys.byKid(oldKid!)).toBeUndefined();
    expect(await service.verifier.verify(rotated.accessToken)).toBeUndefined(); // expired by now, too
  });

  it('after an idle time longer than a period, a new key signs at once', async () => {
    const clock = new FakeClock();
    const service = createTokenService({ config, state: new MemoryStateStore(clock), clock });
    const first = await service.issuer.issueAccessToken(grant);
    clock.advance(3 * 24 * HOUR);
    const later = await service.issuer.issueAccessToken(grant);
    expect(kidOf(later.accessToken)).not.toBe(kidOf(first.accessToken));
    expect((await service.keys.jwks()).keys.map((k) => k.kid)).toEqual([kidOf(later.accessToken)]);
  });

  it('are shared by processes on one state store: a token of one verifies at the other, whichever made the key', async () => {
    const clock = new FakeClock();
    const state = new CountingStore(clock);
    const a = createTokenService({ config, state, clock });
    const b = createTokenService({ config, state, clock });
    const fromA = await a.issuer.issueAccessToken(grant);
    expect(await b.verifier.verify(fromA.accessToken)).toBeDefined();
    const fromB = await b.issuer.issueAccessToken(grant);
    expect(kidOf(fromB.accessToken)).toBe(kidOf(fromA.accessToken));
    expect(await a.verifier.verify(fromB.accessToken)).toBeDefined();

    // A publishes the next key; B sees it on its periodic re-read, before the key signs anything.
    clock.ms = BOUNDARY - 9 * 60_000;
    await a.issuer.issueAccessToken(grant);
    clock.ms = BOUNDARY - 8 * 60_000;
    expect((await b.keys.jwks()).keys.map((k) => k.kid)).toEqual((await a.keys.jwks()).keys.map((k) => k.kid));
    clock.ms = BOUNDARY;
    const rotatedAtA = await a.issuer.issueAccessToken(grant);
    expect(kidOf(rotatedAtA.accessToken)).not.toBe(kidOf(fromA.accessToken));
    const lists = state.lists;
    expect(await b.verifier.verify(rotatedAtA.accessToken)).toBeDefined();
    expect(state.lists).toBe(lists); // known already: no re-read needed
    // B signs with the same key rather than making its own.
    const rotatedAtB = await b.issuer.issueAccessToken(grant);
    expect(kidOf(rotatedAtB.accessToken)).toBe(kidOf(rotatedAtA.accessToken));
    expect(await state.list('signing-key')).toHaveLength(2);
  });

  it('learn a key another process made from its unknown kid', async () => {
    const clock = new FakeClock();
    const state = new MemoryStateStore(clock);
    const a = createTokenService({ config, state, clock });
    const b = createTokenService({ config, state, clock });
    await b.issuer.issueAccessToken(grant);
    clock.advance(3 * 24 * HOUR); // idle: A makes the new key at once, B has not read it
    const fromA = await a.issuer.issueAccessToken(grant);
    expect(await b.verifier.verify(fromA.accessToken)).toBeDefined();
  });

  it('make only one new key when processes rotate at once', async () => {
    const clock = new FakeClock();
    const state = new MemoryStateStore(clock);
    const processes = Array.from({ length: 4 }, () => createTokenService({ config, state, clock }));
    await Promise.all(processes.map((p) => p.issuer.issueAccessToken(grant)));
    expect(await state.list('signing-key')).toHaveLength(1);
    clock.ms = BOUNDARY - 5 * 60_000;
    await Promise.all(processes.flatMap((p) => [p.issuer.issueAccessToken(grant), p.issuer.issueAccessToken(grant)]));
    expect(await state.list('signing-key')).toHaveLength(2);
    clock.ms = BOUNDARY + 1;
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
    // Another process inserted the next hour's key and stopped before marking the old key retired.
    const next = Math.floor(clock.ms / (HOUR * 1000)) + 1;
    const successor = await generateSigningKey(`es256-1h-${next}`, clock.ms, next * HOUR * 1000);
    await state.insert('signing-key', successor.kid, successor);
    clock.ms = successor.activeAt;
    const keys = createSigningKeys(options);
    expect((await keys.current()).kid).toBe(successor.kid);
    const entry = (await state.list('signing-key')).find((e) => e.key === old.kid)!;
    expect(entry.value.retiredAt).toBe(successor.activeAt);
    expect(entry.expiresAt).toBe(successor.activeAt + 660 * 1000);
    expect((await keys.jwks()).keys.map((k) => k.kid)).toEqual([successor.kid, old.kid]);
    clock.advance(660);
    expect((await keys.jwks()).keys.map((k) => k.kid)).toEqual([successor.kid]);
  });
});
