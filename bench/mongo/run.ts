/**
 * The HTTP benchmark on the MongoDB backend, against FerretDB v1.24.2 started as CI does (.ci/ferretdb.sh):
 * ingest with batch Bundles, read-by-id throughput and latency from a separate load process, peak RSS.
 *   npx tsx bench/mongo/run.ts [--patients 100] [--clients 4] [--connections 16] [--duration 10] [--port 0]
 * FerretDB has no multi-document transactions, so transaction Bundles are refused there: the generated
 * transactions are rewritten as batches of PUTs with client-assigned ids (their urn:uuid references rewritten).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Bundle } from '@medplum/fhirtypes';
import { freePort } from '../free-port';
import { Dataset } from '../generate/dataset';
import { ingest } from '../ingest';
import type { ReadLoadOptions, ReadLoadResult } from '../load/read-load';
import { startServer } from '../server-process';

const ROOT = join(__dirname, '..', '..');
const { values } = parseArgs({
  options: {
    patients: { type: 'string', default: '100' },
    'per-bundle': { type: 'string', default: '10' },
    clients: { type: 'string', default: '4' },
    connections: { type: 'string', default: '16' },
    duration: { type: 'string', default: '10' },
    seed: { type: 'string', default: '20240611' },
  },
});

/** A transaction as a batch: every entry a PUT of Type/<uuid>, urn:uuid references pointing at those ids. */
export function asBatch(bundle: Bundle): Bundle {
  const ids = new Map<string, string>();
  for (const e of bundle.entry ?? []) {
    if (e.fullUrl?.startsWith('urn:uuid:') && e.resource) ids.set(e.fullUrl, `${e.resource.resourceType}/${e.fullUrl.slice(9)}`);
  }
  const json = JSON.stringify({
    ...bundle,
    type: 'batch',
    entry: (bundle.entry ?? []).map((e) => {
      const target = e.fullUrl ? ids.get(e.fullUrl) : undefined;
      if (!target || !e.resource) return e;
      return { resource: { ...e.resource, id: target.split('/')[1] }, request: { method: 'PUT', url: target } };
    }),
  });
  return JSON.parse(json.replace(/"urn:uuid:([0-9a-f-]{36})"/g, (m, uuid: string) => {
    const t = ids.get(`urn:uuid:${uuid}`);
    return t ? JSON.stringify(t) : m;
  })) as Bundle;
}

function runReadLoad(options: ReadLoadOptions, dir: string): Promise<ReadLoadResult> {
  const file = join(dir, 'read-load.json');
  writeFileSync(file, JSON.stringify(options));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', join(ROOT, 'bench', 'load', 'read-load.ts'), file], {
      cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as ReadLoadResult) : reject(new Error(`load generator exited ${code}`))));
  });
}

function peakRssMiB(pid: number): number {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmHWM:\s+(\d+) kB/m);
  return m ? Number(m[1]) / 1024 : NaN;
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lucarne-bench-mongo-'));
  const port = await freePort();
  process.stderr.write(`Starting FerretDB on 127.0.0.1:${port} (data in ${dir})...\n`);
  const started = execFileSync(join(ROOT, '.ci', 'ferretdb.sh'), ['start', dir, String(port)], { encoding: 'utf8' });
  const url = started.match(/MONGODB_URL=(\S+)/)?.[1];
  if (!url) throw new Error(`FerretDB did not start: ${started}`);
  const ferretPid = Number(readFileSync(join(dir, 'ferretdb.pid'), 'utf8'));
  try {
    const dataset = new Dataset({ patients: Number(values.patients), patientsPerBundle: Number(values['per-bundle']), seed: Number(values.seed) });
    const bodies = [...dataset.patientBundles()].map((b) => ({ json: JSON.stringify(asBatch(b)), entries: b.entry?.length ?? 0 }));
    const totalResources = bodies.reduce((n, b) => n + b.entries, 0);
    const server = await startServer({ MONGODB_URL: `${url.replace(/\/$/, '')}/lucarne_bench`, LUCARNE_DATA_DIR: join(dir, 'lucarne'), LOG_LEVEL: 'warn' });
    try {
      const reference = await fetch(server.baseUrl, {
        method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify({ ...dataset.referenceBundle(), type: 'batch' }),
      });
      if (reference.status !== 200) throw new Error(`reference data refused: ${reference.status} ${await reference.text()}`);
      process.stderr.write(`Ingesting ${fmt(totalResources)} resources in ${bodies.length} batch Bundles, ${values.clients} clients...\n`);
      const loaded = await ingest(server.baseUrl, bodies, Number(values.clients));
      if (loaded.failures.length > 0) process.stderr.write(`${loaded.failures.length} bundles failed; first: ${loaded.failures[0]}\n`);
      const load = await runReadLoad({
        baseUrl: server.baseUrl, paths: loaded.locations, connections: Number(values.connections),
        durationMs: Number(values.duration) * 1000, warmupMs: 2000, seed: 1,
      }, dir);
      const rows: [string, string][] = [
        ['Backend', `MongoDB store on FerretDB v1.24.2 (SQLite), ${url}`],
        ['Ingest (batch Bundles, PUT)', `${fmt(loaded.locations.length)} of ${fmt(totalResources)} resources in ${fmt(loaded.seconds, 1)} s = ${fmt(loaded.locations.length / loaded.seconds)} resources/s`],
        [`Read by id (${values.connections} connections, ${values.duration} s)`, `${fmt(load.rps)} req/s, p50 ${fmt(load.latencyMs.p50, 2)} ms, p99 ${fmt(load.latencyMs.p99, 2)} ms, errors ${load.errors}`],
        ['Peak RSS Lucarne / FerretDB', `${fmt(server.peakRssMiB())} MiB / ${fmt(peakRssMiB(ferretPid))} MiB`],
        ['Machine', `${cpus().length} x ${cpus()[0]?.model ?? '?'}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`],
      ];
      for (const [k, v] of rows) process.stdout.write(`${k.padEnd(38)} ${v}\n`);
      process.stdout.write('\nFerretDB answers queries by reading whole collections from SQLite and filtering them in Go, so these\n'
        + 'figures say nothing about MongoDB; they only show the backend works end to end under load.\n');
    } finally {
      await server.stop();
    }
  } finally {
    process.kill(ferretPid);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
