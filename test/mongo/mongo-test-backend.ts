import { MongoClient } from 'mongodb';
import type { TestBackend } from '../e2e/test-server';
import type { MongoStore } from '../../src/store/mongo/mongo-store';
import { dropTestStore, mongoUrl, openTestStore, uniqueDbName } from './mongo-test-env';

/** The same server as MONGODB_URL with another database (query string kept). */
export function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

export async function dropDatabase(url: string): Promise<void> {
  const client = new MongoClient(url);
  try {
    await client.db().dropDatabase();
  } finally {
    await client.close();
  }
}

/**
 * A TestBackend on MONGODB_URL: `poolSize` stores, each on its own database, opened up front because test
 * servers are started synchronously; every database is dropped when its server closes.
 */
export async function openMongoTestBackend(label: string, poolSize: number, baseUrl: string): Promise<TestBackend & { close(): Promise<void> }> {
  const pool: MongoStore[] = [];
  for (let i = 0; i < poolSize; i++) pool.push(await openTestStore(`${label}${i}`, { baseUrl }));
  return {
    takeStore() {
      const store = pool.shift();
      if (!store) throw new Error(`openMongoTestBackend(${label}): more than ${poolSize} test servers; raise the pool size`);
      return { store, dispose: () => dropTestStore(store) };
    },
    takeEnv() {
      const url = withDatabase(mongoUrl!, uniqueDbName(label));
      return { env: { MONGODB_URL: url }, dispose: () => dropDatabase(url) };
    },
    async close() {
      await Promise.all(pool.splice(0).map((store) => dropTestStore(store)));
    },
  };
}
