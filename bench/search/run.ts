/**
 * Search at scale: builds (or reuses) a database of about --resources N generated imaging resources
 * (bench/search/build-dataset.ts), then measures in-process FHIR search latencies through the real app
 * (router, parser, store, bundle), search throughput over HTTP from a separate load process against a server
 * child process on 127.0.0.1, and the index size.
 *   npx tsx bench/search/run.ts [--resources 1000000] [--runs 300] [--duration 15] [--connections 32] [--no-size]
 *     [--data-dir DIR] [--tsx] [--load wrk|node] [--no-latency] [--cpu-prof DIR]
 * The server child runs the compiled JS (dist/, rebuilt first by `npm run build`) unless --tsx: a throughput
 * figure should not include tsx's own overhead. The load comes from wrk when installed (far less CPU per
 * request than a Node client on the same 2 cores), else from the Node generator (bench/load/read-load.ts).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import type { Bundle } from '@medplum/fhirtypes';
import { createApp } from '../../src/app';
import type { LucarneConfig } from '../../src/config/config';
import { loadConfig } from '../../src/config/load-config';
import type { ReadLoadOptions, ReadLoadResult } from '../load/read-load';
import { hasWrk, runWrkLoad } from '../load/wrk-load';
import { startServer } from '../server-process';
import { Prng } from '../generate/prng';
import { databaseFileName } from '../../src/store/embedded/embedded-store';
import { buildDataset, type DatasetSample } from './build-dataset';

const { values } = parseArgs({
  options: {
    resources: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '300' },
    duration: { type: 'string', default: '15' },
    connections: { type: 'string', default: '32' },
    'no-size': { type: 'boolean', default: false },
    /** A database folder built earlier by build-dataset.ts (holding sample.json), instead of the cache lookup. */
    'data-dir': { type: 'string' },
    tsx: { type: 'boolean', default: false },
    load: { type: 'string', default: 'wrk' },
    'no-latency': { type: 'boolean', default: false },
    /** Writes a V8 CPU profile of the server under load into this folder (node --cpu-prof). */
    'cpu-prof': { type: 'string' },
  },
});

const NIR = 'urn:oid:1.2.250.1.213.1.4.8';
const fmt = (n: number, d = 1) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const log = (s: string) => process.stderr.write(`${s}\n`);

interface Measure { name: string; p50?: number; p99?: number; note: string; goal: string }

async function main(): Promise<void> {
  const resources = Number(values.resources);
  // ~96 resources per patient with 10-24 visits each.
  const patients = Math.max(10, Math.round(resources / 96));
  const built = values['data-dir'] ? reuse(values['data-dir']) : await buildDataset({ patients, seed: 20240611, encounters: [10, 24], log });
  const { sample } = built;
  const runs = Number(values.runs);
  const prng = new Prng(1);

  const config: LucarneConfig = {
    ...loadConfig({ env: { LUCARNE_AUTH: 'open' } }),
    port: 0, host: '127.0.0.1', dataDir: built.dataDir, baseUrl: 'http://127.0.0.1/fhir', maxBodyBytes: 1 << 24,
    corsOrigins: ['*'], logLevel: 'silent', writerThread: false, allowMultipleDelete: false, defaultPageSize: 20, maxPageSize: 1000,
    shutdownTimeoutMs: 1000,
  };
  const app = await createApp(config, { durability: 'normal' });
  const search = async (url: string): Promise<{ status: number; bundle: Bundle; ms: number }> => {
    const [path, qs] = url.split('?');
    const t = performance.now();
    const response = await app.handle({ method: 'GET', path, query: new URLSearchParams(qs ?? ''), headers: { accept: 'application/fhir+json' } });
    return { status: response.status, bundle: response.body as Bundle, ms: performance.now() - t };
  };
  const measure = async (name: string, goal: string, makeUrl: () => string, check: (b: Bundle, status: number) => string | undefined): Promise<Measure> => {
    try {
      return await measureOnce(name, goal, makeUrl, check);
    } catch (e) {
      return { name, goal, note: `failed: ${(e as Error).message.slice(0, 200)}` };
    }
  };
  const measureOnce = async (name: string, goal: string, makeUrl: () => string, check: (b: Bundle, status: number) => string | undefined): Promise<Measure> => {
    const first = await search(makeUrl());
    const problem = check(first.bundle, first.status);
    if (problem) return { name, note: `pending/failed: ${problem}`, goal };
    for (let i = 0; i < 20; i++) await search(makeUrl()); // warm the statement cache and the page cache
    const times: number[] = [];
    let matches = 0;
    for (let i = 0; i < runs; i++) {
      const r = await search(makeUrl());
      if (r.status !== 200) throw new Error(`${name}: HTTP ${r.status} ${JSON.stringify(r.bundle).slice(0, 300)}`);
      times.push(r.ms);
      matches += r.bundle.total ?? r.bundle.entry?.length ?? 0;
    }
    times.sort((a, b) => a - b);
    return { name, p50: times[Math.floor(runs * 0.5)], p99: times[Math.min(runs - 1, Math.floor(runs * 0.99))], note: `${runs} runs, avg ${fmt(matches / runs, 0)} results/entries`, goal };
  };
  const patient = () => prng.pick(sample.patientIds);
  const nir = () => prng.pick(sample.nirs);
  const outcome = (b: Bundle) => b.entry?.some((e) => e.search?.mode === 'outcome') ? 'parameter ignored (OperationOutcome in the Bundle)' : undefined;

  const rows: Measure[] = [];
  if (!values['no-latency']) {
    log('Measuring in-process searches...');
    rows.push(await measure('Token: Observation?code=http://loinc.org|73569-6 (page of 20)', 'p50 < 5, p99 < 20',
      () => 'Observation?code=http://loinc.org|73569-6', (b, s) => (s !== 200 ? `HTTP ${s}` : outcome(b))));
    rows.push(await measure('Token + patient: Observation?subject=Patient/x&code=29463-7', '',
      () => `Observation?subject=Patient/${patient()}&code=29463-7`, (b, s) => (s !== 200 ? `HTTP ${s}` : outcome(b))));
    rows.push(await measure('Patient + date: ImagingStudy?subject=Patient/x&started=ge2020-01-01', '',
      () => `ImagingStudy?subject=Patient/${patient()}&started=ge2020-01-01`, (b, s) => (s !== 200 ? `HTTP ${s}` : outcome(b))));
    rows.push(await measure(`Chained: ImagingStudy?subject.identifier=${NIR}|<nir>`, 'p50 < 20',
      () => `ImagingStudy?subject.identifier=${NIR}|${nir()}`,
      (b, s) => (s !== 200 ? `HTTP ${s}` : outcome(b) ?? ((b.entry?.length ?? 0) === 0 ? 'no results' : undefined))));
    rows.push(await measure('Revinclude: ServiceRequest?_count=20&_revinclude=ImagingStudy:basedon', 'p50 < 20',
      () => "ServiceRequest?_count=20&_revinclude=ImagingStudy:basedon",
      (b, s) => (s !== 200 ? `HTTP ${s}` : !b.entry?.some((e) => e.search?.mode === 'include') ? 'no included resources' : undefined)));
    rows.push(await measure('Count: Observation?code=http://loinc.org|29463-7&_summary=count', '< 200 (>= 100,000 matches)',
      () => 'Observation?code=http://loinc.org|29463-7&_summary=count',
      (b, s) => (s !== 200 ? `HTTP ${s}` : (b.total ?? 0) < 100_000 ? `total ${b.total} < 100,000` : undefined)));
  }
  await app.close();

  const compiled = !values.tsx;
  if (compiled) {
    log('Compiling the server (npm run build)...');
    const build = spawnSync('npm', ['run', 'build'], { cwd: join(__dirname, '..', '..'), stdio: ['ignore', 'ignore', 'inherit'] });
    if (build.status !== 0) throw new Error('npm run build failed');
  }
  const generator = values.load === 'node' || !hasWrk() ? 'node' : 'wrk';
  const serverKind = compiled ? 'compiled dist/' : 'tsx';
  log(`Search throughput over HTTP: ${values.connections} connections for ${values.duration} s from ${generator}, server ${serverKind}...`);
  const loadAtStart = loadavg();
  const nodeArgs = values['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', values['cpu-prof']] : [];
  const server = await startServer({ LUCARNE_DATA_DIR: built.dataDir, LOG_LEVEL: 'warn' }, compiled, nodeArgs);
  let load: ReadLoadResult;
  let serverCores = NaN;
  const dir = mkdtempSync(join(tmpdir(), 'lucarne-search-bench-'));
  try {
    const paths = Array.from({ length: 5000 }, (_, i) => {
      const p = patient();
      switch (i % 3) {
        case 0: return `Observation?subject=Patient/${p}&code=29463-7`;
        case 1: return `ImagingStudy?subject=Patient/${p}&started=ge2020-01-01`;
        default: return `ServiceRequest?patient=${p}&_count=10`;
      }
    });
    const options: ReadLoadOptions = { baseUrl: server.baseUrl, paths, connections: Number(values.connections), durationMs: Number(values.duration) * 1000, warmupMs: 2000, seed: 1 };
    const file = join(dir, 'load.json');
    writeFileSync(file, JSON.stringify(options));
    const cpu0 = cpuSeconds(server.pid);
    const t0 = performance.now();
    load = generator === 'wrk' ? await runWrkLoad(options, dir) : await new Promise<ReadLoadResult>((resolve, reject) => {
      const child = spawn(process.execPath, ['--require', 'tsx/cjs', join(__dirname, '..', 'load', 'read-load.ts'), file], { cwd: join(__dirname, '..', '..'), stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d) => (out += String(d)));
      child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`load generator exited ${code}`))));
    });
    serverCores = (cpuSeconds(server.pid) - cpu0) / ((performance.now() - t0) / 1000);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  const size = statSync(built.file).size;
  const tables: string[] = [];
  if (!values['no-size']) {
    log('Measuring table sizes (dbstat)...');
    const db = new Database(built.file, { readonly: true });
    try {
      const rowsBySize = db.prepare("SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC").all() as { name: string; bytes: number }[];
      for (const r of rowsBySize.filter((x) => x.name.startsWith('idx_') || x.name === 'resources' || x.name === 'versions' || x.name.startsWith('sqlite_autoindex'))) {
        tables.push(`| ${r.name} | ${fmt(r.bytes / 2 ** 20, 0)} MiB | ${fmt(r.bytes / built.resources, 0)} B |`);
      }
    } catch (e) {
      tables.push(`| (dbstat unavailable: ${(e as Error).message}) | | |`);
    } finally {
      db.close();
    }
  }

  const lines = [
    `Lucarne search benchmark - ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), Node ${process.version}, embedded store`,
    `Load average (1/5/15 min) before the HTTP run: ${loadAtStart.map((x) => x.toFixed(2)).join(' ')}; after: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`,
    `Data: ${fmt(built.resources, 0)} resources, ${fmt(sample.patientIds.length, 0)} patients (${Object.entries(sample.counts).map(([t, n]) => `${t} ${fmt(n, 0)}`).join(', ')})`,
    '',
    '| Measure | p50 ms | p99 ms | Goal | Notes |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.name} | ${r.p50 === undefined ? '-' : fmt(r.p50, 2)} | ${r.p99 === undefined ? '-' : fmt(r.p99, 2)} | ${r.goal} | ${r.note} |`),
    `| Throughput over HTTP (${values.connections} connections from ${generator}, server ${serverKind}, mixed patient searches) | ${fmt(load.latencyMs.p50, 2)} | ${fmt(load.latencyMs.p99, 2)} | >= 1,500 req/s | ${fmt(load.rps, 0)} req/s, ${fmt(load.requests, 0)} requests, ${load.errors} errors; server CPU ${fmt(serverCores, 2)} cores = ${fmt((serverCores / load.rps) * 1000, 2)} ms per request |`,
    '',
    `Database: ${fmt(size / 2 ** 30, 2)} GiB, ${fmt(size / built.resources, 0)} bytes per resource (content, versions and index)`,
    ...(tables.length ? ['', '| Table/index | Size | Per resource |', '|---|---|---|', ...tables] : []),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** User + system CPU time of a process so far (/proc/PID/stat fields 14 and 15, in clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function reuse(dataDir: string) {
  const meta = JSON.parse(readFileSync(join(dataDir, 'sample.json'), 'utf8')) as { resources: number; sample: DatasetSample };
  return { dataDir, file: join(dataDir, databaseFileName), ...meta };
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
