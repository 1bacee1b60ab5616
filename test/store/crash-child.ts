/**
 * Child process of crash.test.ts. Opens the store in argv[2], acknowledges `baseline` single creates one by
 * one, then runs one large transaction (an update of Patient/anchor plus `size` Observation creates),
 * reporting progress on stdout so that the parent can SIGKILL it at a chosen moment. argv[6] 'thread' runs
 * the writer in its worker thread (the server's default), anything else on the event loop.
 */
import { openEmbeddedStore, openEmbeddedStoreWithWriterThread } from '../../src/store/embedded/embedded-store';
import { nullSearchIndex } from '../../src/store/embedded/null-search-index';

async function main(): Promise<void> {
  const [dataDir, run, baselineArg, sizeArg, writer] = process.argv.slice(2);
  const baseline = Number(baselineArg);
  const size = Number(sizeArg);
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const options = { dataDir, index: nullSearchIndex };
  const store = writer === 'thread' ? await openEmbeddedStoreWithWriterThread(options, { kind: 'none' }) : openEmbeddedStore(options);
  for (let i = 0; i < baseline; i++) {
    await store.create({ resourceType: 'Patient', id: `r${run}-b${i}`, active: true });
    say(`ack r${run}-b${i}`);
  }
  await store.transaction(async (tx) => {
    await tx.update({ resourceType: 'Patient', id: 'anchor', name: [{ text: `run ${run}` }] });
    for (let i = 0; i < size; i++) {
      await tx.create({
        resourceType: 'Observation', id: `r${run}-o${i}`, status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
        subject: { reference: 'Patient/anchor' }, valueQuantity: { value: i, unit: '/min' },
      });
      if (i % 1000 === 0) say(`in-tx ${i}`);
    }
    say('committing');
  });
  say('committed');
  await store.close();
}

main().catch((err) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
