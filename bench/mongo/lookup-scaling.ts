/**
 * Why batch ingest on FerretDB slows down with every Bundle: the time of the lookups a conditional write
 * makes (an identifier search, the If-None-Exist / conditional-reference shape) against a read by _id, as
 * the resources collection grows, on FerretDB v1.24.2 started as CI does.
 *   npx tsx bench/mongo/lookup-scaling.ts [--steps 500,1000,2000,4000] [--lookups 50]
 * On MongoDB both shapes are index lookups (test/mongo/write-query-shapes.int.test.ts checks every write-path
 * query against the index definitions); FerretDB v1 scans the collection for anything but _id.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadDefinitions } from '../../src/fhir/conformance/definitions';
import { parseSearchRequest } from '../../src/fhir/search/parse-search';
import { openMongoStore } from '../../src/store/mongo/mongo-store';
import { freePort } from '../free-port';

const ROOT = join(__dirname, '..', '..');
const IPP = 'urn:oid:1.2.250.1.999999.1.1';
const { values } = parseArgs({ options: { steps: { type: 'string', default: '500,1000,2000,4000' }, lookups: { type: 'string', default: '50' } } });

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main(): Promise<void> {
  const steps = values.steps.split(',').map(Number);
  const lookups = Number(values.lookups);
  const dir = mkdtempSync(join(tmpdir(), 'lucarne-bench-lookups-'));
  const port = await freePort();
  const started = execFileSync(join(ROOT, '.ci', 'ferretdb.sh'), ['start', dir, String(port)], { encoding: 'utf8' });
  const url = started.match(/MONGODB_URL=(\S+)/)?.[1];
  if (!url) throw new Error(`FerretDB did not start: ${started}`);
  const ferretPid = Number(readFileSync(join(dir, 'ferretdb.pid'), 'utf8'));
  const definitions = loadDefinitions();
  const store = await openMongoStore({ url, dbName: 'lucarne_lookups', definitions });
  try {
    process.stdout.write('resources  read by _id (median ms)  identifier search (median ms)\n');
    let n = 0;
    for (const target of steps) {
      for (; n < target; n++) {
        await store.create({ resourceType: 'Patient', id: `p${n}`, identifier: [{ system: IPP, value: `IPP${n}` }], name: [{ family: `F${n}` }] });
      }
      const byId: number[] = [];
      const byIdentifier: number[] = [];
      for (let i = 0; i < lookups; i++) {
        const k = Math.floor((i * 7919) % n);
        let t = performance.now();
        await store.read('Patient', `p${k}`);
        byId.push(performance.now() - t);
        const { request } = parseSearchRequest(definitions, 'Patient', new URLSearchParams({ identifier: `${IPP}|IPP${k}` }));
        t = performance.now();
        const found = await store.search({ ...request, count: 2, offset: 0, total: 'none' });
        byIdentifier.push(performance.now() - t);
        if (found.entries.length !== 1) throw new Error(`identifier IPP${k}: ${found.entries.length} matches`);
      }
      process.stdout.write(`${String(n).padStart(9)}  ${median(byId).toFixed(2).padStart(22)}  ${median(byIdentifier).toFixed(2).padStart(29)}\n`);
    }
  } finally {
    await store.close();
    process.kill(ferretPid);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
