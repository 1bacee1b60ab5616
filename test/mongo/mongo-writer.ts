/**
 * Child process of mongo-multi-process.int.test.ts: its own MongoStore on the shared database. From the
 * instant argv[4] on, increments Observation/counter `iterations` times by read + update(If-Match), retrying
 * on 412/409. Prints the versions it won and how many conflicts it saw.
 */
import type { Observation } from '@medplum/fhirtypes';
import { loadDefinitions } from '../../src/fhir/conformance/definitions';
import { FhirError } from '../../src/kernel/errors';
import { openMongoStore } from '../../src/store/mongo/mongo-store';

async function main(): Promise<void> {
  const [url, dbName, startAt, iterationsArg, name] = process.argv.slice(2);
  const store = await openMongoStore({ url, dbName, definitions: loadDefinitions() });
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAt) - Date.now())));
  const won: { version: string; value: number }[] = [];
  let conflicts = 0;
  for (let i = 0; i < Number(iterationsArg); i++) {
    for (let attempt = 0; ; attempt++) {
      if (attempt > 500) throw new Error('no progress after 500 attempts');
      const current = await store.read('Observation', 'counter');
      const value = ((current?.resource as Observation).valueInteger ?? 0) + 1;
      try {
        const { record } = await store.update(
          { resourceType: 'Observation', id: 'counter', status: 'final', code: { text: name }, valueInteger: value },
          { ifMatch: current!.versionId },
        );
        won.push({ version: record.versionId, value });
        break;
      } catch (err) {
        if (!(err instanceof FhirError) || ![409, 412].includes(err.status)) throw err;
        conflicts++;
      }
    }
  }
  await store.close();
  process.stdout.write(JSON.stringify({ won, conflicts }));
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
