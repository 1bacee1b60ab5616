import type { Bundle, BundleEntry, OperationOutcome } from '@medplum/fhirtypes';
import { FHIR_JSON, startBundleTestServer, type BundleTestServer } from './bundle-test-helpers';

const BUDGET = 1024 * 1024;
const PATIENTS = 3000;
let server: BundleTestServer;

beforeAll(async () => {
  server = await startBundleTestServer({ LUCARNE_MAX_BUNDLE_RESPONSE_BYTES: String(BUDGET), LUCARNE_MAX_BUNDLE_ENTRIES: '500' });
  for (let start = 0; start < PATIENTS; start += 500) {
    const entry = Array.from({ length: 500 }, (_, i) => ({
      resource: { resourceType: 'Patient', name: [{ family: `Famille${start + i}`, given: ['Anne', 'Sophie'] }], gender: 'female', birthDate: '1955-08-14' },
      request: { method: 'POST', url: 'Patient' },
    }));
    const res = await server.http.post('/fhir').set('Content-Type', FHIR_JSON).send({ resourceType: 'Bundle', type: 'transaction', entry });
    expect(res.status).toBe(200);
  }
}, 60000);
afterAll(() => server.close());

const post = (bundle: Bundle) => server.http.post('/fhir').set('Content-Type', FHIR_JSON).send(bundle);
const gets = (n: number, url: string): BundleEntry[] => Array.from({ length: n }, () => ({ request: { method: 'GET', url } }));

describe('batch and transaction response budget', () => {
  it('a batch of 200 GET Patient?_count=1000 stays within the budget and answers 413 entries past it', async () => {
    const started = performance.now();
    const res = await post({ resourceType: 'Bundle', type: 'batch', entry: gets(200, 'Patient?_count=1000') });
    expect(performance.now() - started).toBeLessThan(10000);
    expect(res.status).toBe(200);
    expect(Buffer.byteLength(res.text)).toBeLessThan(BUDGET + 200 * 1024);
    const entries = (res.body as Bundle).entry ?? [];
    expect(entries).toHaveLength(200);
    const statuses = entries.map((e) => e.response?.status?.slice(0, 3));
    const answered = statuses.filter((s) => s === '200').length;
    expect(answered).toBeGreaterThan(0);
    expect(statuses.slice(0, answered).every((s) => s === '200')).toBe(true);
    expect(statuses.slice(answered).every((s) => s === '413')).toBe(true);
    const over = entries[answered].response?.outcome as OperationOutcome;
    expect(over.issue?.[0].code).toBe('too-costly');
    expect(over.issue?.[0].diagnostics).toContain('maxBundleResponseBytes');
  });

  it('small answers all fit', async () => {
    const res = await post({ resourceType: 'Bundle', type: 'batch', entry: gets(50, 'Patient?_count=1') });
    expect(((res.body as Bundle).entry ?? []).every((e) => e.response?.status?.startsWith('200'))).toBe(true);
  });

  it('a transaction whose response would pass the budget answers 413 and writes nothing', async () => {
    const before = (await server.http.get('/fhir/Patient?_summary=count')).body.total as number;
    const entry: BundleEntry[] = [
      { resource: { resourceType: 'Patient', name: [{ family: 'Nouvelle' }] }, request: { method: 'POST', url: 'Patient' } },
      ...gets(20, 'Patient?_count=1000'),
    ];
    const res = await post({ resourceType: 'Bundle', type: 'transaction', entry });
    expect(res.status).toBe(413);
    expect(res.body.issue[0].code).toBe('too-costly');
    expect((await server.http.get('/fhir/Patient?_summary=count')).body.total).toBe(before);
  });
});

describe('Bundle entries', () => {
  it.each(['batch', 'transaction'] as const)('a %s with more than maxBundleEntries entries answers 413 and runs nothing', async (type) => {
    const entry = Array.from({ length: 501 }, () => ({ resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } }));
    const before = (await server.http.get('/fhir/Patient?_summary=count')).body.total as number;
    const res = await post({ resourceType: 'Bundle', type, entry } as Bundle);
    expect(res.status).toBe(413);
    expect(res.body.issue[0].diagnostics).toContain('maxBundleEntries');
    expect((await server.http.get('/fhir/Patient?_summary=count')).body.total).toBe(before);
  });
});
