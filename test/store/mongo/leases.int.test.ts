import type { Clock } from '../../../src/kernel/clock';
import { Leases } from '../../../src/store/mongo/leases';
import type { MongoStore } from '../../../src/store/mongo/mongo-store';
import { describeMongo, dropTestStore, openTestStore } from '../../mongo/mongo-test-env';

describeMongo('leases', () => {
  let store: MongoStore;
  let now = 1_000_000;
  const clock: Clock = { now: () => new Date(now) };
  let leases: Leases;
  beforeAll(async () => {
    store = await openTestStore('leases');
    leases = new Leases(store.db, clock);
  });
  afterAll(() => dropTestStore(store));

  it('gives a lease to one holder until it expires, then to another with a larger epoch', async () => {
    const a = await leases.acquire('job', 'A', 1000);
    expect(a).toMatchObject({ name: 'job', holder: 'A', epoch: 1, expiresAt: now + 1000 });
    expect(await leases.acquire('job', 'B', 1000)).toBeUndefined();
    expect(await leases.acquire('other', 'B', 1000)).toMatchObject({ holder: 'B', epoch: 1 });
    now += 1001;
    const b = await leases.acquire('job', 'B', 1000);
    expect(b).toMatchObject({ holder: 'B', epoch: 2 });
    expect(await leases.renew(a!, 1000)).toBeUndefined(); // A lost it: no renewal after a takeover
    expect((await leases.holder('job'))?.holder).toBe('B');
  });

  it('renews only a live lease of the holder, and release frees it at once', async () => {
    const c = await leases.acquire('renewed', 'C', 1000);
    now += 900;
    const renewed = await leases.renew(c!, 1000);
    expect(renewed?.expiresAt).toBe(now + 1000);
    now += 900; // past the first expiry, within the renewed one
    expect(await leases.acquire('renewed', 'D', 1000)).toBeUndefined();
    expect((await leases.acquire('renewed', 'C', 1000))?.epoch).toBe(c!.epoch); // re-acquiring one's own renews
    await leases.release(c!);
    expect(await leases.holder('renewed')).toBeUndefined();
    expect(await leases.acquire('renewed', 'D', 1000)).toMatchObject({ holder: 'D', epoch: c!.epoch + 1 });
    expect(await leases.renew(c!, 1000)).toBeUndefined();
  });

  it('lets exactly one of many concurrent acquirers win', async () => {
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => leases.acquire('race', `h${i}`, 5000)));
    expect(results.filter((r) => r !== undefined)).toHaveLength(1);
  });
});
