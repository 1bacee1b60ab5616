import type { Resource } from '@medplum/fhirtypes';
import { createExtractor } from '../../../src/fhir/search/extract';
import { parseSearchRequest } from '../../../src/fhir/search/parse-search';
import { ensureSchema, MIGRATIONS } from '../../../src/store/mongo/schema';
import { searchKeys } from '../../../src/store/mongo/search-keys';
import type { MongoStore } from '../../../src/store/mongo/mongo-store';
import { describeMongo, dropTestStore, openTestStore, testDefinitions } from '../../mongo/mongo-test-env';
import { openMongoStore } from '../../../src/store/mongo/mongo-store';

describeMongo('MongoDB schema at start-up', () => {
  let store: MongoStore;
  beforeAll(async () => {
    store = await openTestStore('schema');
  });
  afterAll(() => dropTestStore(store));

  it('records each migration once and creates the indexes idempotently, also when processes open together', async () => {
    await store.create({ resourceType: 'Patient', id: 'a' });
    const again = await Promise.all(
      [1, 2].map(() => openMongoStore({ url: process.env.MONGODB_URL!, dbName: store.db.databaseName, definitions: testDefinitions() })),
    );
    for (const s of again) await s.close();
    const applied = await store.db.collection('migrations').find({}).toArray();
    expect(applied.map((m) => m._id)).toEqual(MIGRATIONS.map((m) => m.version));
    const names = (await store.db.collection('resources').listIndexes().toArray()).map((i) => i.name);
    expect(names).toEqual(expect.arrayContaining(['type_live_id', 'type_live_updated', 'keys', 'strings']));
    const versionIndexes = await store.db.collection('versions').listIndexes().toArray();
    expect(versionIndexes.find((i) => i.name === 'instance_history')?.unique).toBe(true);
    expect((await store.read('Patient', 'a'))?.versionId).toBe('1');
  });

  it('migration 2 re-derives the search keys of documents written before a key change', async () => {
    const definitions = testDefinitions();
    await store.create({
      resourceType: 'Observation', id: 'bp', status: 'final', code: { text: 'blood pressure' },
      component: [{ code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] }, valueQuantity: { value: 150 } }],
    } as Resource & { id: string });
    const search = async () => {
      const { request } = parseSearchRequest(definitions, 'Observation', new URLSearchParams('component-code-value-quantity=http://loinc.org|8480-6$gt140'));
      return (await store.search(request)).entries.map((e) => e.id);
    };
    expect(await search()).toEqual(['bp']);
    // As a document written before composite keys existed: no cp field, migration 2 not yet applied.
    await store.db.collection<{ _id: string }>('resources').updateOne({ _id: 'Observation/bp' }, { $unset: { cp: '' } });
    await store.db.collection<{ _id: number }>('migrations').deleteOne({ _id: 2 });
    expect(await search()).toEqual([]);
    const extractor = createExtractor(definitions);
    const ran = await ensureSchema(store.db, {
      ferretdb: store.ferretdb, now: () => Date.now(), env: { searchKeys: (r) => searchKeys(extractor.extract(r)) },
    });
    expect(ran).toEqual([2]);
    expect(await search()).toEqual(['bp']);
  });

  it('says what the server can do: no transactions on FerretDB or a standalone server', () => {
    if (store.ferretdb) expect(store.supportsTransactions).toBe(false);
  });
});
