import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDefinitions } from '../../src/fhir/conformance/definitions';
import { openEmbeddedStore, openEmbeddedStoreWithWriterThread } from '../../src/store/embedded/embedded-store';
import { createEmbeddedSearchIndex } from '../../src/store/embedded/search/embedded-search-index';
import { describeSearchContract } from '../../src/store/search.contract';

const dir = mkdtempSync(join(tmpdir(), 'lucarne-search-contract-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const definitions = loadDefinitions();

describeSearchContract('embedded', definitions, async ({ definitions, baseUrl, clock }) =>
  openEmbeddedStore({ dataDir: join(dir, 'in-process'), index: createEmbeddedSearchIndex(definitions, { baseUrl }), clock, durability: 'normal' }),
);

// Searches inside transactions run on the writer thread's own index: the same suite through it.
describeSearchContract('embedded, writer thread', definitions, async ({ definitions, baseUrl, clock }) =>
  openEmbeddedStoreWithWriterThread(
    { dataDir: join(dir, 'thread'), index: createEmbeddedSearchIndex(definitions, { baseUrl }), clock, durability: 'normal' },
    { kind: 'fhir', baseUrl },
  ),
);
