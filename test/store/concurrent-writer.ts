/**
 * Child process of concurrency.test.ts. From the instant argv[3] (epoch ms) on, it increments the counter
 * in Observation/counter `iterations` times by read + update(ifMatch) (create for the first), retrying on
 * 409/412, and updates Observation/log `iterations` times without a precondition. Prints its statistics.
 */
import type { Observation } from '@medplum/fhirtypes';
import { FhirError } from '../../src/kernel/errors';
import { openEmbeddedStore } from '../../src/store/embedded/embedded-store';
import { nullSearchIndex } from '../../src/store/embedded/null-search-index';

async function main(): Promise<void> {
  const [dataDir, startAt, iterationsArg, name] = process.argv.slice(2);
  const iterations = Number(iterationsArg);
  const store = openEmbeddedStore({ dataDir, index: nullSearchIndex, busyTimeoutMs: 10_000 });
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAt) - Date.now())));
  let conflicts = 0;
  for (let i = 0; i < iterations; i++) {
    for (let attempt = 0; ; attempt++) {
      if (attempt > 1000) throw new Error('no progress after 1000 attempts');
      const current = await store.read('Observation', 'counter');
      const value = (current?.resource as Observation | undefined)?.valueInteger ?? 0;
      const next: Observation & { id: string } = {
        resourceType: 'Observation', id: 'counter', status: 'final', code: { text: 'counter' }, valueInteger: value + 1,
      };
      try {
        // The first increment creates the counter; a create that races the other process fails with 409.
        if (current) await store.update(next, { ifMatch: current.versionId });
        else await store.create(next);
        break;
      } catch (err) {
        if (!(err instanceof FhirError) || ![409, 412].includes(err.status)) throw err;
        conflicts++;
      }
    }
    await store.update({ resourceType: 'Observation', id: 'log', status: 'final', code: { text: `${name} ${i}` } });
  }
  await store.close();
  process.stdout.write(JSON.stringify({ conflicts }));
}

main().catch((err) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
