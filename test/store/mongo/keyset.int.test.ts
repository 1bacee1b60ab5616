import type { Observation, Patient } from '@medplum/fhirtypes';
import { parseSearchRequest } from '../../../src/fhir/search/parse-search';
import type { SearchCursor, SearchResult } from '../../../src/fhir/search/search-request';
import type { MongoStore } from '../../../src/store/mongo/mongo-store';
import { describeMongo, dropTestStore, openTestStore, testDefinitions } from '../../mongo/mongo-test-env';

/** Keyset paging on MongoDB: every page walk (forward, backward, with missing sort values) sees each match once. */
describeMongo('MongoDB keyset paging', () => {
  let store: MongoStore;
  beforeAll(async () => {
    store = await openTestStore('keyset');
    const birth = ['1980-01-01', undefined, '1975-06-01', '1980-01-01', undefined, '1990-03-03', '1975-06-01', '2001-12-12'];
    for (let i = 0; i < birth.length; i++) {
      const p: Patient & { id: string } = { resourceType: 'Patient', id: `p${i}`, name: [{ family: `F${i % 3}` }] };
      if (birth[i]) p.birthDate = birth[i];
      await store.create(p);
    }
    for (let i = 0; i < 7; i++) {
      const o: Observation & { id: string } = {
        resourceType: 'Observation', id: `o${i}`, status: 'final', code: { text: 'x' },
        valueQuantity: { value: i % 2 === 0 ? 5 : 50, system: 'http://unitsofmeasure.org', code: 'mg' },
      };
      await store.create(o);
    }
  });
  afterAll(() => dropTestStore(store));

  const search = (type: string, query: string, cursor?: SearchCursor): Promise<SearchResult> => {
    const request = parseSearchRequest(testDefinitions(), type, new URLSearchParams(query)).request;
    if (cursor) request.cursor = cursor;
    return store.search(request);
  };
  const ids = (page: SearchResult) => page.entries.map((e) => e.id);

  /** Walks next links to the end, then previous links back to the start; both must give the offset order. */
  async function walk(type: string, query: string): Promise<void> {
    const all = ids(await search(type, query.replace(/_count=\d+/, '_count=100')));
    const forward: string[][] = [];
    let page = await search(type, query);
    forward.push(ids(page));
    while (page.next) {
      page = await search(type, query, page.next);
      forward.push(ids(page));
    }
    expect(forward.flat()).toEqual(all);
    const backward: string[][] = [ids(page)];
    while (page.previous) {
      page = await search(type, query, page.previous);
      backward.unshift(ids(page));
    }
    expect(backward).toEqual(forward);
  }

  it('pages forward and back in the offset order, resources without the sort value last', async () => {
    await walk('Patient', 'birthdate:missing=false&_sort=birthdate&_count=2');
    await walk('Patient', '_sort=-birthdate,family&_count=3');
    await walk('Patient', '_sort=birthdate&_count=2');
    await walk('Patient', '_sort=-_lastUpdated&_count=3');
    const all = ids(await search('Patient', '_sort=-birthdate&_count=100'));
    expect(all.slice(-2).sort()).toEqual(['p1', 'p4']);
  });

  it('pages with in-process checks (quantity with a unit) and counts totals over all pages', async () => {
    await walk('Observation', 'value-quantity=5|http://unitsofmeasure.org|mg&_count=2');
    const first = await search('Observation', 'value-quantity=5|http://unitsofmeasure.org|mg&_count=2&_total=accurate');
    const second = await search('Observation', 'value-quantity=5|http://unitsofmeasure.org|mg&_count=2&_total=accurate', first.next);
    expect(second.total).toBe(4);
    expect(ids(second)).toEqual(['o4', 'o6']);
    expect(second.next).toBeUndefined();
  });

  it('a page stays correct when a resource sorting before the cursor is added', async () => {
    const first = await search('Patient', '_sort=family,_id&_count=3');
    await store.create({ resourceType: 'Patient', id: 'pa', name: [{ family: 'A' }] } as Patient & { id: string });
    const second = await search('Patient', '_sort=family,_id&_count=3', first.next);
    expect(ids(second)).not.toContain('pa');
    expect([...ids(first), ...ids(second)]).toEqual(['p0', 'p3', 'p6', 'p1', 'p4', 'p7']);
    await expect(search('Patient', '_sort=family&_count=3', { keys: ['x'], after: true })).rejects.toMatchObject({ status: 400 });
  });
});
