import { MIGRATIONS } from '../../../src/store/mongo/schema';
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

  it('says what the server can do: no transactions on FerretDB or a standalone server', () => {
    if (store.ferretdb) expect(store.supportsTransactions).toBe(false);
  });
});
