import type { Patient, Resource } from '@medplum/fhirtypes';
import { FhirError } from '../kernel/errors';
import type { SearchRequest } from '../fhir/search/search-request';
import { describeClaimsContract } from './claims.contract';
import type { FhirStore, VersionRecord } from './store';

/**
 * THE behavioural suite of the FhirStore port. Every backend runs it (embedded-store.test.ts, the MongoDB
 * backend later) with a factory that returns a fresh, empty store. It tests only what the port promises.
 */
export function describeStoreContract(
  name: string,
  makeStore: () => Promise<FhirStore>,
  cleanup: (store: FhirStore) => Promise<void> = (store) => store.close(),
): void {
  describe(`FhirStore contract: ${name}`, () => {
    let store: FhirStore;
    beforeEach(async () => {
      store = await makeStore();
    });
    afterEach(async () => {
      await cleanup(store);
    });

    const patient = (id: string, extra: Partial<Patient> = {}): Patient & { id: string } => ({
      resourceType: 'Patient', id, ...extra,
    });
    const withoutMeta = (r: Resource | undefined) => {
      const { meta: _meta, ...rest } = r ?? ({} as Resource);
      return rest;
    };
    async function expectStatus(promise: Promise<unknown>, statuses: number[]): Promise<void> {
      const err = await promise.then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(FhirError);
      expect(statuses).toContain((err as FhirError).status);
    }
    const ms = (record: VersionRecord) => Date.parse(record.lastUpdated);

    describeClaimsContract(() => store);

    describe('create and read', () => {
      it('stores version 1 with server meta, keeps other meta and does not touch the input', async () => {
        const input = patient('a', { active: true, meta: { profile: ['http://example.org/p'], tag: [{ code: 't' }] } });
        const snapshot = structuredClone(input);
        const record = await store.create(input);
        expect(input).toEqual(snapshot);
        expect(record).toMatchObject({ resourceType: 'Patient', id: 'a', versionId: '1', deleted: false, method: 'POST' });
        expect(record.lastUpdated).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        expect(record.resource?.meta).toEqual({
          profile: ['http://example.org/p'], tag: [{ code: 't' }], versionId: '1', lastUpdated: record.lastUpdated,
        });
        expect(withoutMeta(record.resource)).toEqual(withoutMeta(input));
        expect(await store.read('Patient', 'a')).toEqual(record);
      });

      it('answers undefined for an unknown id, and ids are scoped by type', async () => {
        await store.create(patient('a'));
        expect(await store.read('Patient', 'b')).toBeUndefined();
        expect(await store.read('Observation', 'a')).toBeUndefined();
        await store.create({ resourceType: 'Observation', id: 'a', status: 'final', code: { text: 'x' } });
        expect((await store.read('Observation', 'a'))?.resource?.resourceType).toBe('Observation');
      });

      it('refuses with 409 an id that exists or existed, writing nothing', async () => {
        await store.create(patient('a', { active: true }));
        await expectStatus(store.create(patient('a', { active: false })), [409]);
        expect((await store.read('Patient', 'a'))?.versionId).toBe('1');
        await store.delete('Patient', 'a');
        await expectStatus(store.create(patient('a')), [409]);
        expect((await store.read('Patient', 'a'))?.deleted).toBe(true);
      });

      it('reads return copies: changing a returned resource changes nothing stored', async () => {
        const record = await store.create(patient('a', { active: true }));
        (record.resource as Patient).active = false;
        const read = await store.read('Patient', 'a');
        (read?.resource as Patient).active = false;
        expect((await store.read('Patient', 'a'))?.resource).toMatchObject({ active: true });
      });
    });

    describe('update', () => {
      it('writes the next version with a later lastUpdated', async () => {
        const v1 = await store.create(patient('a'));
        const { record: v2, created } = await store.update(patient('a', { active: true }));
        expect(created).toBe(false);
        expect(v2).toMatchObject({ versionId: '2', method: 'PUT', deleted: false });
        expect(v2.resource?.meta?.versionId).toBe('2');
        expect(ms(v2)).toBeGreaterThan(ms(v1));
        expect(await store.read('Patient', 'a')).toEqual(v2);
        expect(await store.vread('Patient', 'a', '1')).toEqual(v1);
      });

      it('creates version 1 for an unknown id (update as create)', async () => {
        const { record, created } = await store.update(patient('new', { active: true }));
        expect(created).toBe(true);
        expect(record).toMatchObject({ versionId: '1', method: 'PUT' });
        expect((await store.read('Patient', 'new'))?.resource).toMatchObject({ active: true });
      });

      it('re-creates a deleted resource, continuing its version numbers', async () => {
        await store.create(patient('a'));
        await store.delete('Patient', 'a');
        const { record, created } = await store.update(patient('a', { gender: 'other' }));
        expect(created).toBe(true);
        expect(record.versionId).toBe('3');
        expect((await store.read('Patient', 'a'))?.deleted).toBe(false);
      });

      it('applies If-Match: the current version passes, any other fails with 412 and writes nothing', async () => {
        await store.create(patient('a'));
        const { record } = await store.update(patient('a', { active: true }), { ifMatch: '1' });
        expect(record.versionId).toBe('2');
        await expectStatus(store.update(patient('a', { active: false }), { ifMatch: '1' }), [412]);
        await expectStatus(store.update(patient('a', { active: false }), { ifMatch: '7' }), [412]);
        const current = await store.read('Patient', 'a');
        expect(current?.versionId).toBe('2');
        expect(current?.resource).toMatchObject({ active: true });
        expect((await store.history({ resourceType: 'Patient', id: 'a', count: 10, offset: 0 })).total).toBe(2);
      });

      it('fails If-Match on a resource that does not exist (never created, or deleted) with 409', async () => {
        await expectStatus(store.update(patient('none'), { ifMatch: '1' }), [409]);
        expect(await store.read('Patient', 'none')).toBeUndefined();
        await store.create(patient('a'));
        await store.delete('Patient', 'a');
        await expectStatus(store.update(patient('a'), { ifMatch: '2' }), [409]);
        expect((await store.read('Patient', 'a'))?.deleted).toBe(true);
      });

      it('treats If-Match: * as RFC 9110 does: any current version matches, none fails with 412', async () => {
        await expectStatus(store.update(patient('none'), { ifMatch: '*' }), [412]);
        expect(await store.read('Patient', 'none')).toBeUndefined();
        await store.create(patient('a'));
        const { record, created } = await store.update(patient('a', { active: true }), { ifMatch: '*' });
        expect({ version: record.versionId, created }).toEqual({ version: '2', created: false });
        await store.delete('Patient', 'a');
        await expectStatus(store.update(patient('a'), { ifMatch: '*' }), [412]);
        expect((await store.read('Patient', 'a'))?.deleted).toBe(true);
      });

      it('records the method it is given (PATCH)', async () => {
        await store.create(patient('a'));
        const { record } = await store.update(patient('a', { active: true }), { method: 'PATCH' });
        expect(record.method).toBe('PATCH');
        expect((await store.vread('Patient', 'a', '2'))?.method).toBe('PATCH');
      });

      it('lets exactly one of several updates with the same If-Match win', async () => {
        await store.create(patient('a'));
        const attempts = Array.from({ length: 10 }, (_, i) =>
          store.update(patient('a', { name: [{ text: `n${i}` }] }), { ifMatch: '1' }).then(
            () => 'ok',
            (e: unknown) => (e instanceof FhirError ? e.status : e),
          ),
        );
        const results = await Promise.all(attempts);
        expect(results.filter((r) => r === 'ok')).toHaveLength(1);
        expect(results.filter((r) => r === 412)).toHaveLength(9);
        expect((await store.read('Patient', 'a'))?.versionId).toBe('2');
      });
    });

    describe('delete', () => {
      it('writes a deletion version that read returns, keeping older versions readable', async () => {
        const v1 = await store.create(patient('a', { active: true }));
        const deletion = await store.delete('Patient', 'a');
        expect(deletion).toMatchObject({ resourceType: 'Patient', id: 'a', versionId: '2', deleted: true, method: 'DELETE' });
        expect(deletion?.resource).toBeUndefined();
        expect(ms(deletion!)).toBeGreaterThan(ms(v1));
        expect(await store.read('Patient', 'a')).toEqual(deletion);
        expect(await store.vread('Patient', 'a', '1')).toEqual(v1);
        expect(await store.vread('Patient', 'a', '2')).toEqual(deletion);
      });

      it('answers undefined, writing no version, for an unknown or already deleted resource', async () => {
        expect(await store.delete('Patient', 'none')).toBeUndefined();
        expect(await store.read('Patient', 'none')).toBeUndefined();
        await store.create(patient('a'));
        await store.delete('Patient', 'a');
        expect(await store.delete('Patient', 'a')).toBeUndefined();
        expect((await store.read('Patient', 'a'))?.versionId).toBe('2');
      });

      it('applies If-Match', async () => {
        await store.create(patient('a'));
        await store.update(patient('a'));
        await expectStatus(store.delete('Patient', 'a', { ifMatch: '1' }), [412]);
        expect((await store.read('Patient', 'a'))?.deleted).toBe(false);
        expect((await store.delete('Patient', 'a', { ifMatch: '2' }))?.versionId).toBe('3');
      });

      it('deletes with If-Match: * when the resource exists, and answers 412 when it does not', async () => {
        await expectStatus(store.delete('Patient', 'none', { ifMatch: '*' }), [412]);
        await store.create(patient('a'));
        expect((await store.delete('Patient', 'a', { ifMatch: '*' }))?.versionId).toBe('2');
        await expectStatus(store.delete('Patient', 'a', { ifMatch: '*' }), [412]);
      });
    });

    describe('vread', () => {
      it('answers undefined for unknown versions and resources', async () => {
        await store.create(patient('a'));
        expect(await store.vread('Patient', 'a', '2')).toBeUndefined();
        expect(await store.vread('Patient', 'a', '0')).toBeUndefined();
        expect(await store.vread('Patient', 'a', 'x')).toBeUndefined();
        expect(await store.vread('Patient', 'b', '1')).toBeUndefined();
      });
    });

    describe('history', () => {
      /** p1 v1, o1 v1, p1 v2, p2 v1, p1 v3 (deleted), o1 v2: written in this order. */
      async function seed(): Promise<VersionRecord[]> {
        const out: VersionRecord[] = [];
        out.push(await store.create(patient('p1')));
        out.push(await store.create({ resourceType: 'Observation', id: 'o1', status: 'final', code: { text: 'a' } }));
        out.push((await store.update(patient('p1', { active: true }))).record);
        out.push(await store.create(patient('p2')));
        out.push((await store.delete('Patient', 'p1'))!);
        out.push((await store.update({ resourceType: 'Observation', id: 'o1', status: 'amended', code: { text: 'a' } })).record);
        return out;
      }
      const key = (r: VersionRecord) => `${r.resourceType}/${r.id}/${r.versionId}`;
      const keys = (rs: VersionRecord[]) => rs.map(key);

      it('lists one instance newest first, deletions included', async () => {
        const all = await seed();
        const page = await store.history({ resourceType: 'Patient', id: 'p1', count: 10, offset: 0 });
        expect(keys(page.entries)).toEqual(['Patient/p1/3', 'Patient/p1/2', 'Patient/p1/1']);
        expect(page.total).toBe(3);
        expect(page.entries[0].deleted).toBe(true);
        expect(page.entries[2]).toEqual(all[0]);
        expect(await store.history({ resourceType: 'Patient', id: 'zz', count: 10, offset: 0 })).toEqual({ entries: [], total: 0 });
      });

      it('lists one type and the whole system newest first', async () => {
        const all = await seed();
        const type = await store.history({ resourceType: 'Patient', count: 10, offset: 0 });
        expect(keys(type.entries)).toEqual(['Patient/p1/3', 'Patient/p2/1', 'Patient/p1/2', 'Patient/p1/1']);
        expect(type.total).toBe(4);
        const system = await store.history({ count: 10, offset: 0 });
        expect(keys(system.entries)).toEqual(keys([...all].reverse()));
        expect(system.total).toBe(6);
      });

      it('filters by since (inclusive) at every level', async () => {
        const all = await seed();
        const since = all[2].lastUpdated;
        expect(keys((await store.history({ since, count: 10, offset: 0 })).entries)).toEqual(keys(all.slice(2).reverse()));
        const type = await store.history({ resourceType: 'Observation', since, count: 10, offset: 0 });
        expect(keys(type.entries)).toEqual(['Observation/o1/2']);
        const instance = await store.history({ resourceType: 'Patient', id: 'p1', since, count: 10, offset: 0 });
        expect(keys(instance.entries)).toEqual(['Patient/p1/3', 'Patient/p1/2']);
        expect(instance.total).toBe(2);
      });

      it('gives with at the version current at that instant, per resource', async () => {
        const all = await seed();
        const at = all[3].lastUpdated; // after p1 v2 and p2 v1, before p1's deletion and o1 v2
        expect(keys((await store.history({ at, count: 10, offset: 0 })).entries)).toEqual(['Patient/p2/1', 'Patient/p1/2', 'Observation/o1/1']);
        expect(keys((await store.history({ resourceType: 'Patient', id: 'p1', at, count: 10, offset: 0 })).entries)).toEqual(['Patient/p1/2']);
        const before = new Date(ms(all[0]) - 1000).toISOString();
        expect((await store.history({ at: before, count: 10, offset: 0 })).total).toBe(0);
        const end = await store.history({ resourceType: 'Patient', at: all[5].lastUpdated, count: 10, offset: 0 });
        expect(keys(end.entries)).toEqual(['Patient/p1/3', 'Patient/p2/1']);
      });

      it('pages with count and offset, with a stable total', async () => {
        const all = await seed();
        const pages: VersionRecord[] = [];
        for (let offset = 0; offset < 8; offset += 4) {
          const page = await store.history({ count: 4, offset });
          expect(page.total).toBe(6);
          pages.push(...page.entries);
        }
        expect(keys(pages)).toEqual(keys([...all].reverse()));
        expect(await store.history({ count: 0, offset: 0 })).toEqual({ entries: [], total: 6 });
        expect((await store.history({ count: 5, offset: 10 })).entries).toEqual([]);
      });
    });

    describe('search', () => {
      const request = (count: number, offset = 0): SearchRequest => ({
        resourceTypes: ['Patient'], filters: [], sort: [], count, offset, total: 'accurate',
      });
      it('finds current, non-deleted resources of the requested types, in pages', async () => {
        for (const id of ['a', 'b', 'c', 'd']) await store.create(patient(id));
        await store.update(patient('b', { active: true }));
        await store.delete('Patient', 'c');
        await store.create({ resourceType: 'Observation', id: 'o', status: 'final', code: { text: 'x' } });
        const first = await store.search(request(2));
        const second = await store.search(request(2, 2));
        expect(first.total).toBe(3);
        expect(first.hasMore).toBe(true);
        expect(second.hasMore).toBe(false);
        const found = [...first.entries, ...second.entries];
        expect(found.map((r) => r.id).sort()).toEqual(['a', 'b', 'd']);
        expect(found.find((r) => r.id === 'b')).toEqual(await store.read('Patient', 'b'));
      });
    });

    describe('transaction', () => {
      it('commits every write together and returns what fn returns', async () => {
        if (!store.supportsTransactions) return;
        await store.create(patient('old'));
        const result = await store.transaction(async (tx) => {
          await tx.create(patient('a'));
          await tx.update(patient('old', { active: true }), { ifMatch: '1' });
          await tx.delete('Patient', 'old');
          return 'done';
        });
        expect(result).toBe('done');
        expect((await store.read('Patient', 'a'))?.versionId).toBe('1');
        expect((await store.read('Patient', 'old'))?.versionId).toBe('3');
      });

      it('leaves nothing behind when fn throws, and rethrows its error', async () => {
        if (!store.supportsTransactions) return;
        await store.create(patient('old'));
        const boom = new Error('boom');
        await expect(
          store.transaction(async (tx) => {
            await tx.create(patient('a'));
            await tx.update(patient('old', { active: true }));
            await tx.delete('Patient', 'old');
            await tx.update(patient('b'));
            throw boom;
          }),
        ).rejects.toBe(boom);
        expect(await store.read('Patient', 'a')).toBeUndefined();
        expect(await store.read('Patient', 'b')).toBeUndefined();
        expect((await store.read('Patient', 'old'))?.versionId).toBe('1');
        expect((await store.history({ count: 10, offset: 0 })).total).toBe(1);
      });

      it('shows its writes to its own reads only until it commits', async () => {
        if (!store.supportsTransactions) return;
        await store.transaction(async (tx) => {
          await tx.create(patient('a'));
          expect((await tx.read('Patient', 'a'))?.versionId).toBe('1');
          expect((await tx.history({ resourceType: 'Patient', count: 10, offset: 0 })).total).toBe(1);
          expect(await store.read('Patient', 'a')).toBeUndefined();
          expect((await store.history({ count: 10, offset: 0 })).total).toBe(0);
        });
        expect((await store.read('Patient', 'a'))?.versionId).toBe('1');
      });

      it('makes writes from elsewhere wait until it ends', async () => {
        if (!store.supportsTransactions) return;
        await store.create(patient('a'));
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        const events: string[] = [];
        const txDone = store.transaction(async (tx) => {
          await tx.update(patient('a', { gender: 'male' }), { ifMatch: '1' });
          await gate;
          events.push('tx-end');
        });
        await new Promise((resolve) => setTimeout(resolve, 10));
        const outside = store.update(patient('a', { gender: 'female' })).then((r) => {
          events.push('outside');
          return r;
        });
        await new Promise((resolve) => setTimeout(resolve, 20));
        expect(events).toEqual([]);
        release();
        await txDone;
        expect((await outside).record.versionId).toBe('3');
        expect(events).toEqual(['tx-end', 'outside']);
      });

      it('keeps the rest of the transaction when a failed write inside it is caught', async () => {
        if (!store.supportsTransactions) return;
        await store.create(patient('a'));
        await store.transaction(async (tx) => {
          await expectStatus(tx.update(patient('a', { active: true }), { ifMatch: '9' }), [412]);
          await expectStatus(tx.create(patient('a')), [409]);
          await tx.create(patient('b'));
        });
        expect((await store.read('Patient', 'a'))?.versionId).toBe('1');
        expect((await store.read('Patient', 'b'))?.versionId).toBe('1');
      });

      it('undoes only a nested transaction that throws', async () => {
        if (!store.supportsTransactions) return;
        await store.transaction(async (tx) => {
          await tx.create(patient('outer'));
          await expect(
            tx.transaction(async (inner) => {
              await inner.create(patient('inner'));
              throw new Error('inner fails');
            }),
          ).rejects.toThrow('inner fails');
          await tx.transaction(async (inner) => inner.create(patient('kept')));
          expect(await tx.read('Patient', 'inner')).toBeUndefined();
        });
        expect(await store.read('Patient', 'outer')).toBeDefined();
        expect(await store.read('Patient', 'kept')).toBeDefined();
        expect(await store.read('Patient', 'inner')).toBeUndefined();
      });

      it('refuses use of the view after the transaction ended', async () => {
        if (!store.supportsTransactions) return;
        let leaked!: FhirStore;
        await store.transaction(async (tx) => {
          leaked = tx;
        });
        await expect(leaked.create(patient('late'))).rejects.toThrow();
        expect(await store.read('Patient', 'late')).toBeUndefined();
      });
    });
  });
}
