import { loadConfig } from '../../config/load-config';
import type { Clock } from '../../kernel/clock';
import { silentLogger } from '../../kernel/logger';
import { MemoryStateStore } from '../../store/state/memory-state-store';
import type { FhirStore } from '../../store/store';
import { createUserServices } from './user-services';

/** Local accounts: sign-in, lockout after repeated failures, patient accounts and the first administrator. */
let now = Date.parse('2026-12-04T10:00:00Z');
const clock: Clock = { now: () => new Date(now) };
const services = () =>
  createUserServices({
    config: loadConfig({ env: { LUCARNE_SIGN_IN_MAX_FAILURES: '3', LUCARNE_SIGN_IN_LOCKOUT_MINUTES: '10' } }),
    state: new MemoryStateStore(clock),
    clock,
    store: {} as FhirStore, // no upstream provider is configured, so the FHIR store is never read
    logger: silentLogger(),
    hashCost: { N: 1024, r: 8, p: 1 },
  });

describe('local accounts', () => {
  it('signs in with the right password only, and never with an unknown name', async () => {
    const { accounts, signIn } = services();
    await accounts.add({ username: 'Alice', displayName: 'Dr Alice', password: 'correct horse battery', fhirUser: 'Practitioner/p1' });
    expect(await signIn.signIn('alice', 'correct horse battery', '127.0.0.1')).toEqual(expect.objectContaining({ subject: 'local:alice', fhirUser: 'Practitioner/p1' }));
    expect(await signIn.signIn('alice', 'wrong password here', '127.0.0.1')).toBeUndefined();
    expect(await signIn.signIn('bob', 'correct horse battery', '127.0.0.1')).toBeUndefined();
    await expect(accounts.add({ username: 'alice', password: 'another long password' })).rejects.toThrow();
    await expect(accounts.add({ username: 'carol', password: 'short' })).rejects.toThrow();
  });

  it('locks an account after repeated failures, even against the right password, until the lockout ends', async () => {
    const { accounts, signIn } = services();
    await accounts.add({ username: 'dan', password: 'a long enough password', fhirUser: 'Patient/pa' });
    for (let i = 0; i < 3; i++) expect(await signIn.signIn('dan', `wrong guess number ${i}`, '10.0.0.1')).toBeUndefined();
    expect(await signIn.signIn('dan', 'a long enough password', '10.0.0.2')).toBeUndefined();
    now += 11 * 60_000;
    expect((await signIn.signIn('dan', 'a long enough password', '10.0.0.2'))?.fhirUser).toBe('Patient/pa');
  });

  it('creates the first administrator once, whose password signs in', async () => {
    const { signIn, ensureAdministrator } = services();
    const first = await ensureAdministrator();
    expect(first?.username).toBe('admin');
    expect(await ensureAdministrator()).toBeUndefined();
    expect((await signIn.signIn('admin', first!.password, '127.0.0.1'))?.admin).toBe(true);
  });
});
