import type { Patient } from '@medplum/fhirtypes';
import { FHIR_JSON, startBundleTestServer } from '../e2e/bundle-test-helpers';
import { BASE_URL, useTestBackend } from '../e2e/test-server';
import { describeMongo, dropTestStore, openTestStore } from './mongo-test-env';
import { openMongoTestBackend } from './mongo-test-backend';

/*
 * The REST end-to-end suites of test/e2e, unchanged, against the MongoDB store (FerretDB in CI): each suite
 * is loaded inside a describe, so this file's beforeAll installs the MongoDB backend before the suite's own
 * beforeAll starts its servers. The transaction suites are left out: FerretDB has no transactions, and the
 * refusal is covered by mongo-rest.int.test.ts. Cases that need transactions run as written where the server
 * has them (a replica set) and otherwise assert the refusal (NEEDS_TRANSACTIONS).
 */
const SUITES: [file: string, servers: number][] = [
  ['crud.test', 1],
  ['search-history.test', 5],
  ['search-include-paging.test', 2],
  ['search-total.test', 1],
  ['search-handling.test', 2],
  ['patch.test', 0],
  ['patch-limits.test', 0],
  ['bundle-batch.test', 0],
  ['bad-input.test', 1],
  ['imaging-record.test', 0],
  ['dose-operations.test', 0],
  ['exact-decimals.test', 0],
];

/** Cases left out here, each with its reason (shown in the skipped test's name). */
const NOT_HERE: Record<string, string> = {};

/** Whether the MongoDB server runs multi-document transactions; probed once before the suites run. */
let transactions = false;

/** A transaction Bundle is refused with a 501 OperationOutcome before anything is written. */
async function assertTransactionRefused(): Promise<void> {
  const server = await startBundleTestServer();
  try {
    const created = await server.http.post('/fhir/Patient').set('Content-Type', FHIR_JSON).send(JSON.stringify({ resourceType: 'Patient', active: true }));
    const id = (created.body as Patient).id!;
    const res = await server.http.post('/fhir').set('Content-Type', FHIR_JSON).send(JSON.stringify({
      resourceType: 'Bundle', type: 'transaction',
      entry: [
        { resource: { resourceType: 'Patient', id, gender: 'male' }, request: { method: 'PUT', url: `Patient/${id}` } },
        { resource: { resourceType: 'Binary', contentType: 'application/json-patch+json', data: Buffer.from('[{"op":"add","path":"/gender","value":"male"}]').toString('base64') },
          request: { method: 'PATCH', url: `Patient/${id}` } },
      ],
    }));
    expect(res.status).toBe(501);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(JSON.stringify(res.body)).toMatch(/nothing was written/);
    const after = await server.http.get(`/fhir/Patient/${id}`);
    expect(after.body.meta.versionId).toBe('1');
    expect(after.body.gender).toBeUndefined();
  } finally {
    await server.close();
  }
}

/** Cases that use transaction Bundles: run as written with transactions, else the refusal is asserted. */
const NEEDS_TRANSACTIONS = new Set(['takes JSON Patch as a Binary and FHIRPath Patch as Parameters']);

/** Loads a test/e2e suite, registering the NOT_HERE cases as skipped. */
function loadSuite(file: string): void {
  const real = global.it;
  const filtered = ((name: string, fn?: jest.ProvidesCallback, timeout?: number) =>
    name in NOT_HERE ? real.skip(`${name} (not here: ${NOT_HERE[name]})`, fn, timeout)
      : NEEDS_TRANSACTIONS.has(name) && fn
        ? real(`${name} (or, without transactions, the refusal)`, () => (transactions ? (fn as () => Promise<void>)() : assertTransactionRefused()), timeout)
        : real(name, fn, timeout)) as jest.It;
  global.it = Object.assign(filtered, real);
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(`../e2e/${file}`);
  } finally {
    global.it = real;
  }
}

describeMongo('REST e2e suites on the MongoDB store', () => {
  beforeAll(async () => {
    const probe = await openTestStore('txprobe');
    transactions = probe.supportsTransactions;
    await dropTestStore(probe);
  });
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
