import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeStoreContract } from '../store.contract';
import type { FhirStore } from '../store';
import { openEmbeddedStore, openEmbeddedStoreWithWriterThread } from './embedded-store';
import type { IndexRecipe } from './thread-writer';
import type { EmbeddedSearchIndex } from './search-index';

/**
 * Runs the FhirStore contract on the embedded store, each test on a fresh database in a temp folder, with
 * the index the factory returns (the null test double here, the real index from its own test). With a
 * recipe, the writer runs in a worker thread that builds its index from it.
 */
export function describeEmbeddedStoreContract(name: string, makeIndex: () => EmbeddedSearchIndex, writerThread?: IndexRecipe): void {
  const dirs = new Map<FhirStore, string>();
  describeStoreContract(
    name,
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'lucarne-store-'));
      const options = { dataDir: dir, index: makeIndex() };
      const store = writerThread ? await openEmbeddedStoreWithWriterThread(options, writerThread) : openEmbeddedStore(options);
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
