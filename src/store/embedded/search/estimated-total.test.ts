import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDefinitions } from '../../../fhir/conformance/definitions';
import { parseSearchRequest } from '../../../fhir/search/parse-search';
import { ESTIMATED_TOTAL_CAP, type SearchRequest } from '../../../fhir/search/search-request';
import { openEmbeddedStore, type EmbeddedStore } from '../embedded-store';
import { createEmbeddedSearchIndex } from './embedded-search-index';

/** _total=estimate (the REST default) past its cap, through the real embedded store. */
const definitions = loadDefinitions();
const MATCHES = ESTIMATED_TOTAL_CAP + 2;
let dir: string;
let store: EmbeddedStore;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lucarne-total-'));
  store = openEmbeddedStore({ dataDir: dir, index: createEmbeddedSearchIndex(definitions), durability: 'normal' });
  await store.transaction(async (tx) => {
    for (let i = 0; i < MATCHES; i++) await tx.create({ resourceType: 'Patient', id: `p${i}`, gender: 'female', active: i < 3 });
  });
}, 60_000);
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const request = (query: string, total: SearchRequest['total']): SearchRequest => ({
  ...parseSearchRequest(definitions, 'Patient', new URLSearchParams(query)).request,
  total,
});

describe('an estimated total', () => {
  it('counts up to the cap, and is absent past it', async () => {
    expect((await store.search(request('gender=female&_count=5', 'estimate'))).total).toBeUndefined();
    expect((await store.search(request('_count=5', 'estimate'))).total).toBeUndefined();
    expect((await store.search(request('active=true&_count=2', 'estimate'))).total).toBe(3);
    expect((await store.search(request(`gender=female&_count=5&_offset=${MATCHES - 2}`, 'estimate'))).total).toBe(MATCHES);
  });

  it('is exact with accurate, and absent with none', async () => {
    expect((await store.search(request('gender=female&_count=5', 'accurate'))).total).toBe(MATCHES);
    expect((await store.search(request('active=true&_count=2', 'none'))).total).toBeUndefined();
  });
});
