import { BASE_URL, useTestBackend } from '../e2e/test-server';
import { describeMongo } from './mongo-test-env';
import { openMongoTestBackend } from './mongo-test-backend';

/*
 * The INS rules suite of test/e2e (check key, uniqueness, links, two simultaneous creates, releases) against
 * the MongoDB store (FerretDB in CI, which has no transactions: uniqueness rests on the claims' unique _id).
 */
describeMongo('INS rules on the MongoDB store', () => {
  let backend: Awaited<ReturnType<typeof openMongoTestBackend>>;
  beforeAll(async () => {
    backend = await openMongoTestBackend('insrules', 0, BASE_URL);
    useTestBackend(backend);
  }, 60_000);
  afterAll(async () => {
    useTestBackend(undefined);
    await backend.close();
  });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('../e2e/ins-rules.test');
});
