import { MongoClient } from 'mongodb';
import { describeMongo, mongoUrl, uniqueDbName } from '../../../test/mongo/mongo-test-env';
import { openMongoStateStore, type MongoStateStore } from './mongo-state-store';

/** Two Lucarne processes on one database: two stores, each with its own MongoClient connection. */
let now = Date.now();
const clock = { now: () => new Date(now) };

describeMongo('the MongoDB state store shared by two connections', () => {
  let dbName: string;
  let a: MongoStateStore;
  let b: MongoStateStore;
  beforeEach(async () => {
    dbName = uniqueDbName('state');
    a = await openMongoStateStore({ url: mongoUrl!, dbName, clock });
    b = await openMongoStateStore({ url: mongoUrl!, dbName, clock });
  });
  afterEach(async () => {
    await a.close();
    await b.close();
    const client = new MongoClient(mongoUrl!);
    await client.db(dbName).dropDatabase();
    await client.close();
  });

  it('gives exactly one of concurrent inserts of a key, then of an expired key, each round', async () => {
    for (let round = 0; round < 50; round++) {
      const results = await Promise.all([a, b, a, b].map((s, i) => s.insert('jti', `k${round}`, { i }, now + 1000)));
      expect(results.filter(Boolean)).toHaveLength(1);
    }
    now += 1000;
    for (let round = 0; round < 50; round++) {
      const results = await Promise.all([a, b, a, b].map((s, i) => s.insert('jti', `k${round}`, { i })));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await b.get('jti', `k${round}`)).toEqual({ i: results.indexOf(true) });
    }
  });

  it('lists live entries in key order and gives exactly one of concurrent deletes', async () => {
    await a.put('c', 'b', { x: 1 });
    await a.put('c', 'a', { y: 2 }, now + 5000);
    await a.insert('c', 'z', {}, now);
    expect((await b.list('c')).map((e) => e.key)).toEqual(['a', 'b']);
    await b.put('c', 'b', { x: 2 });
    expect(await a.get('c', 'b')).toEqual({ x: 2 });
    const deleted = await Promise.all([a.delete('c', 'b'), b.delete('c', 'b')]);
    expect(deleted.filter(Boolean)).toHaveLength(1);
    expect(await a.get('c', 'b')).toBeUndefined();
  });
});
