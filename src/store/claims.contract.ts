import type { Patient } from '@medplum/fhirtypes';
import { FhirError } from '../kernel/errors';
import type { FhirStore } from './store';

/** The claims part of the FhirStore contract (WriteOptions.claims, claimHolders); run by describeStoreContract. */
export function describeClaimsContract(current: () => FhirStore): void {
  describe('claims', () => {
    const patient = (id: string): Patient & { id: string } => ({ resourceType: 'Patient', id });
    const holders = async (store: FhirStore, key: string) =>
      (await store.claimHolders([key])).map((h) => `${h.resourceType}/${h.id}`);
    async function expect409(promise: Promise<unknown>): Promise<FhirError> {
      const err = await promise.then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(FhirError);
      expect((err as FhirError).status).toBe(409);
      return err as FhirError;
    }

    it('refuses a second holder of a key with 409 naming the first, writing nothing', async () => {
      const store = current();
      await store.create(patient('a'), { claims: ['k1'] });
      const err = await expect409(store.create(patient('b'), { claims: ['k1'] }));
      expect(err.message).toContain('Patient/a');
      expect(await store.read('Patient', 'b')).toBeUndefined();
      await expect409(store.update(patient('c'), { claims: ['k2', 'k1'] }));
      expect(await store.read('Patient', 'c')).toBeUndefined();
      expect(await holders(store, 'k1')).toEqual(['Patient/a']);
      expect(await holders(store, 'k2')).toEqual([]);
    });

    it('lets a resource keep its own keys, and releases the keys an update drops', async () => {
      const store = current();
      await store.create(patient('a'), { claims: ['k1', 'k2'] });
      await store.update(patient('a'), { claims: ['k1', 'k2'] });
      await store.update(patient('a'), { claims: ['k2'] });
      expect(await holders(store, 'k1')).toEqual([]);
      await store.create(patient('b'), { claims: ['k1'] });
      expect(await holders(store, 'k1')).toEqual(['Patient/b']);
      // Without claims, an update leaves them as they are.
      await store.update(patient('a'));
      expect(await holders(store, 'k2')).toEqual(['Patient/a']);
    });

    it('releases every key of a deleted resource', async () => {
      const store = current();
      await store.create(patient('a'), { claims: ['k1'] });
      await store.delete('Patient', 'a');
      expect(await holders(store, 'k1')).toEqual([]);
      await store.create(patient('b'), { claims: ['k1'] });
      expect(await holders(store, 'k1')).toEqual(['Patient/b']);
    });

    it('lets exactly one of two concurrent creates claiming one key succeed', async () => {
      const store = current();
      const results = await Promise.allSettled([
        store.create(patient('a'), { claims: ['k1'] }),
        store.create(patient('b'), { claims: ['k1'] }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect((failed.reason as FhirError).status).toBe(409);
      const winner = results[0].status === 'fulfilled' ? 'Patient/a' : 'Patient/b';
      expect(await holders(store, 'k1')).toEqual([winner]);
    });

    it('backfills claims of stored resources without writing versions, leaving held keys to their holder', async () => {
      const store = current();
      const backfill = store.claimsBackfill!;
      await store.create(patient('a'));
      await store.create(patient('b'), { claims: ['k2'] });
      expect(await backfill.addClaims('Patient', 'a', ['k1', 'k2'])).toEqual([{ key: 'k2', resourceType: 'Patient', id: 'b' }]);
      expect(await backfill.addClaims('Patient', 'a', ['k1'])).toEqual([]);
      expect(await backfill.addClaims('Patient', 'zz', ['k3'])).toEqual([]);
      expect(await holders(store, 'k1')).toEqual(['Patient/a']);
      expect(await holders(store, 'k3')).toEqual([]);
      expect((await store.read('Patient', 'a'))?.versionId).toBe('1');
      expect(await backfill.isDone('r1')).toBe(false);
      await backfill.markDone('r1');
      await backfill.markDone('r1');
      expect(await backfill.isDone('r1')).toBe(true);
    });

    it('sees claims made inside a transaction from that transaction, and undoes them when it fails', async () => {
      const store = current();
      await expect(
        store.transaction(async (tx) => {
          await tx.create(patient('a'), { claims: ['k1'] });
          expect(await holders(tx, 'k1')).toEqual(['Patient/a']);
          await expect409(tx.create(patient('b'), { claims: ['k1'] }));
          throw new Error('stop');
        }),
      ).rejects.toThrow('stop');
      if (store.supportsTransactions) expect(await holders(store, 'k1')).toEqual([]);
    });
  });
}
