import { MongoClient } from 'mongodb';
import { loadDefinitions, type Definitions } from '../../src/fhir/conformance/definitions';
import { openMongoStore, type MongoStore, type MongoStoreOptions } from '../../src/store/mongo/mongo-store';

/**
 * The MongoDB suites run when MONGODB_URL is set (CI starts FerretDB with .ci/ferretdb.sh and sets it).
 * Without it they are skipped, except under CI=true, where a missing server must fail the run.
 */
export const mongoUrl = process.env.MONGODB_URL;

export function describeMongo(name: string, body: () => void): void {
  if (mongoUrl) {
    describe(name, body);
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      it('needs MONGODB_URL under CI', () => {
        throw new Error('CI=true but MONGODB_URL is not set: the MongoDB-wire server did not start');
      });
    });
  } else {
    describe.skip(`${name} (set MONGODB_URL to run)`, body);
  }
}

let counter = 0;
/** A database name unique to this process and call, so test files never share data. */
export function uniqueDbName(label: string): string {
  return `lucarne_test_${label}_${process.pid}_${Date.now().toString(36)}_${++counter}`.slice(0, 60);
}

let definitions: Definitions | undefined;
export function testDefinitions(): Definitions {
  return (definitions ??= loadDefinitions());
}

export async function openTestStore(label: string, options: Partial<MongoStoreOptions> = {}): Promise<MongoStore> {
  return openMongoStore({ url: mongoUrl!, dbName: uniqueDbName(label), definitions: testDefinitions(), ...options });
}

/** Closes the store and drops its database. */
export async function dropTestStore(store: MongoStore): Promise<void> {
  const name = store.db.databaseName;
  await store.close();
  const client = new MongoClient(mongoUrl!);
  try {
    await client.db(name).dropDatabase();
  } finally {
    await client.close();
  }
}
