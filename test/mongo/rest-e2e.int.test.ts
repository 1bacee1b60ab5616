import { BASE_URL, useTestBackend } from '../e2e/test-server';
import { describeMongo } from './mongo-test-env';
import { openMongoTestBackend } from './mongo-test-backend';

/*
 * The REST end-to-end suites of test/e2e, unchanged, against the MongoDB store (FerretDB in CI): each suite
 * is loaded inside a describe, so this file's beforeAll installs the MongoDB backend before the suite's own
 * beforeAll starts its servers. The transaction suites are left out: FerretDB has no transactions, and the
 * refusal is covered by mongo-rest.int.test.ts.
 */
const SUITES: [file: string, servers: number][] = [
  ['crud.test', 1],
  ['search-history.test', 4],
  ['search-include-paging.test', 2],
  ['patch.test', 0],
  ['bundle-batch.test', 0],
  ['bad-input.test', 1],
];

/**
 * Cases left out here, each with its reason (shown in the skipped test's name). Keyset cursors: the MongoDB
 * backend pages by offset (SearchResult.next is optional in the contract), so its next links carry _offset.
 */
const NOT_HERE: Record<string, string> = {
  'next links are signed cursors that page without gaps while data changes; tampering is a 400':
    'the MongoDB backend pages by offset, not keyset cursors',
  'takes JSON Patch as a Binary and FHIRPath Patch as Parameters':
    'a transaction Bundle; FerretDB has no transactions (the refusal is tested in mongo-rest.int.test.ts)',
};

/** Loads a test/e2e suite, registering the NOT_HERE cases as skipped. */
function loadSuite(file: string): void {
  const real = global.it;
  const filtered = ((name: string, fn?: jest.ProvidesCallback, timeout?: number) =>
    name in NOT_HERE ? real.skip(`${name} (not here: ${NOT_HERE[name]})`, fn, timeout) : real(name, fn, timeout)) as jest.It;
  global.it = Object.assign(filtered, real);
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(`../e2e/${file}`);
  } finally {
    global.it = real;
  }
}

describeMongo('REST e2e suites on the MongoDB store', () => {
  for (const [file, servers] of SUITES) {
    describe(file, () => {
      let backend: Awaited<ReturnType<typeof openMongoTestBackend>>;
      beforeAll(async () => {
        backend = await openMongoTestBackend(file.slice(0, 6).replace(/\W/g, ''), servers, BASE_URL);
        useTestBackend(backend);
      }, 60_000);
      afterAll(async () => {
        useTestBackend(undefined);
        await backend.close();
      });
      loadSuite(file);
    });
  }
});
