import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeStoreContract } from '../store.contract';
import type { FhirStore } from '../store';
import { openEmbeddedStore } from './embedded-store';
import type { EmbeddedSearchIndex } from './search-index';

/**
 * Runs the FhirStore contract on the embedded store, each test on a fresh database in a temp folder, with
 * the index the factory returns (the null test double here, the real index from its own test).
 */
export function describeEmbeddedStoreContract(name: string, makeIndex: () => EmbeddedSearchIndex): void {
  const dirs = new Map<FhirStore, string>();
  describeStoreContract(
    name,
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'lucarne-store-'));
      const store = openEmbeddedStore({ dataDir: dir, index: makeIndex() });
      dirs.set(store, dir);
      return store;
    },
    async (store) => {
      await store.close();
      rmSync(dirs.get(store)!, { recursive: true, force: true });
      dirs.delete(store);
    },
  );
}
