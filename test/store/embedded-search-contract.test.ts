import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDefinitions } from '../../src/fhir/conformance/definitions';
import { openEmbeddedStore } from '../../src/store/embedded/embedded-store';
import { createEmbeddedSearchIndex } from '../../src/store/embedded/search/embedded-search-index';
import { describeSearchContract } from '../../src/store/search.contract';

const dir = mkdtempSync(join(tmpdir(), 'lucarne-search-contract-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeSearchContract('embedded', loadDefinitions(), async ({ definitions, baseUrl, clock }) =>
  openEmbeddedStore({ dataDir: dir, index: createEmbeddedSearchIndex(definitions, { baseUrl }), clock, durability: 'normal' }),
);
