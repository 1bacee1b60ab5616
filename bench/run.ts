/**
 * `npm run bench`: starts Lucarne in a child process (embedded store, temp data dir, 127.0.0.1), then measures
 *  (a) ingest through the HTTP API: transaction Bundles of synthetic imaging records, several concurrent clients;
 *  (b) read-by-id throughput and latency under keep-alive load from a separate load-generator process;
 *  (c) the server's start-up time and peak RSS (VmHWM).
 * Prints the CPU per ingested resource of the server (by thread) and of the ingest client, on Linux.
 * Options: --patients N (1000) --warmup N (100 patients ingested first, not measured) --per-bundle N (10) --clients N (4) --connections N (32) --duration S (15)
 *          --load-generator auto|wrk|node|both (auto: wrk when installed, else the Node script) --skip-reads
 *          --node-args "..." (extra flags for the server process, e.g. --cpu-prof)
 *          --seed N --compiled (run dist/src/main.js; `npm run build` first) --log-level L (info)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Dataset } from './generate/dataset';
import { ingest } from './ingest';
import type { ReadLoadOptions, ReadLoadResult } from './load/read-load';
import { startServer } from './server-process';
import { hasWrk, runWrkLoad } from './load/wrk-load';

const { values } = parseArgs({
  options: {
    patients: { type: 'string', default: '1000' },
    /** Patients ingested first, not measured: their own records, from the same generator stream. */
    warmup: { type: 'string', default: '100' },
    'per-bundle': { type: 'string', default: '10' },
    clients: { type: 'string', default: '4' },
    connections: { type: 'string', default: '32' },
    duration: { type: 'string', default: '15' },
    seed: { type: 'string', default: '20240611' },
    compiled: { type: 'boolean', default: false },
    'log-level': { type: 'string', default: 'info' },
    'node-args': { type: 'string', default: '' },
    'skip-reads': { type: 'boolean', default: false },
    /** auto (wrk when installed, else the Node generator), wrk, node, or both. */
    'load-generator': { type: 'string', default: 'auto' },
  },
});

function runReadLoad(options: ReadLoadOptions, dir: string): Promise<ReadLoadResult> {
  const file = join(dir, 'read-load.json');
  writeFileSync(file, JSON.stringify(options));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', join(__dirname, 'load', 'read-load.ts'), file], {
      cwd: join(__dirname, '..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`load generator exited ${code}`))));
  });
}

/** Which read-load generators to run: wrk (C, cheap per request) when installed, else the Node script. */
function readGenerators(choice: string): ('wrk' | 'node')[] {
  const wrk = hasWrk();
  if (choice === 'node') return ['node'];
  if (choice === 'wrk' || choice === 'both') {
    if (!wrk) process.stderr.write('wrk is not installed (apt-get install wrk): using the Node load generator\n');
    if (choice === 'both') return wrk ? ['wrk', 'node'] : ['node'];
    return wrk ? ['wrk'] : ['node'];
  }
  return wrk ? ['wrk'] : ['node'];
}

/** "280 µs (lucarne-writer 120, main thread 110, ...)": server CPU per ingested resource, by thread. */
function cpuPerResource(before: Map<string, number>, after: Map<string, number>, resources: number): string | undefined {
  const used = [...after].map(([name, ms]) => [name, ms - (before.get(name) ?? 0)] as const).filter(([, ms]) => ms > 0);
  if (used.length === 0 || resources === 0) return undefined;
  const total = used.reduce((s, [, ms]) => s + ms, 0);
  const parts = used.sort((a, b) => b[1] - a[1]).map(([name, ms]) => `${name} ${Math.round((ms * 1000) / resources)}`);
  return `${Math.round((total * 1000) / resources)} µs (${parts.join(', ')})`;
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lucarne-bench-'));
  const perBundle = Number(values['per-bundle']);
  const warmupBundles = Math.ceil(Number(values.warmup) / perBundle);
  const dataset = new Dataset({ patients: warmupBundles * perBundle + Number(values.patients), patientsPerBundle: perBundle, seed: Number(values.seed) });
  process.stderr.write(`Generating ${values.warmup} + ${values.patients} patients...\n`);
  const all = [...dataset.patientBundles()].map((b) => ({ json: JSON.stringify(b), entries: b.entry?.length ?? 0 }));
  const warmupBodies = all.slice(0, warmupBundles);
  const bodies = all.slice(warmupBundles);
  const totalResources = bodies.reduce((n, b) => n + b.entries, 0);

  process.stderr.write(`Starting the server (data in ${dir})...\n`);
  const nodeArgs = values['node-args'].split(' ').filter(Boolean);
  const server = await startServer({ LUCARNE_DATA_DIR: join(dir, 'data'), LOG_LEVEL: values['log-level'] }, values.compiled, nodeArgs);
  try {
    const reference = await fetch(server.baseUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify(dataset.referenceBundle()),
    });
    if (reference.status !== 200) throw new Error(`reference data refused: ${reference.status} ${await reference.text()}`);

    // Warm-up: the first Bundles run while the JIT compiles and each type's validator and extraction
    // programs are built; measured apart, so the main figure is the server's steady rate.
    const warmup = warmupBodies.length > 0 ? await ingest(server.baseUrl, warmupBodies, Number(values.clients)) : undefined;
    if (warmup && warmup.failures.length > 0) process.stderr.write(`${warmup.failures.length} warm-up bundles failed; first: ${warmup.failures[0]}\n`);
    process.stderr.write(`Ingesting ${fmt(totalResources)} resources in ${bodies.length} transactions, ${values.clients} clients...\n`);
    const cpuBefore = server.threadCpuMs();
    const clientCpu = process.cpuUsage();
    const loaded = await ingest(server.baseUrl, bodies, Number(values.clients));
    const cpu = cpuPerResource(cpuBefore, server.threadCpuMs(), loaded.resources);
    const used = process.cpuUsage(clientCpu);
    const clientCpuPerResource = Math.round((used.user + used.system) / Math.max(1, loaded.resources));
    if (loaded.failures.length > 0) process.stderr.write(`${loaded.failures.length} bundles failed; first: ${loaded.failures[0]}\n`);
    const rssAfterIngest = server.rssMiB();

    const loadOptions: ReadLoadOptions = {
      baseUrl: server.baseUrl,
      paths: loaded.locations,
      connections: Number(values.connections),
      durationMs: Number(values.duration) * 1000,
      warmupMs: 2000,
      seed: 1,
    };
    const generators = readGenerators(values['load-generator']);
    const reads: { generator: string; result: ReadLoadResult }[] = [];
    for (const generator of values['skip-reads'] ? [] : generators) {
      process.stderr.write(`Reading by id: ${values.connections} connections for ${values.duration} s, ${generator} load generator (separate process)...\n`);
      reads.push({ generator, result: generator === 'wrk' ? await runWrkLoad(loadOptions, dir) : await runReadLoad(loadOptions, dir) });
    }
    const peak = server.peakRssMiB();

    const rows: [string, string, string][] = [
      ['Start-up to ready (server process)', `${fmt(server.reportedStartupMs)} ms`, '< 3,000 ms'],
      ['Start-up, spawn to ready log', `${fmt(server.spawnToReadyMs)} ms`, ''],
      ['Ingest (HTTP transactions)', `${fmt(loaded.resources / loaded.seconds)} resources/s`, '>= 5,000/s'],
      ...(warmup
        ? ([['  warm-up before it (not counted)', `${fmt(warmup.resources)} resources at ${fmt(warmup.resources / warmup.seconds)} resources/s`, '']] as [string, string, string][])
        : []),
      ['  resources / bundles / seconds', `${fmt(loaded.resources)} / ${fmt(loaded.bundles)} / ${fmt(loaded.seconds, 1)}`, ''],
      ['  failed bundles', `${loaded.failures.length}`, '0'],
      ...(cpu ? ([['  server CPU per resource', cpu, '']] as [string, string, string][]) : []),
      ['  ingest client CPU per resource', `${clientCpuPerResource} µs (the bench process, same cores)`, ''],
      ...reads.flatMap(({ generator, result }): [string, string, string][] => [
        [`Read by id throughput (${generator})`, `${fmt(result.rps)} req/s`, '>= 5,000 req/s'],
        [`Read latency p50 / p90 / p99 (${generator})`, `${fmt(result.latencyMs.p50, 2)} / ${fmt(result.latencyMs.p90, 2)} / ${fmt(result.latencyMs.p99, 2)} ms`, 'p99 < 10 ms'],
        ['  requests / errors', `${fmt(result.requests)} / ${result.errors}`, ''],
      ]),
      ['RSS after ingest', `${fmt(rssAfterIngest)} MiB`, ''],
      ['Peak RSS (VmHWM)', `${fmt(peak)} MiB`, ''],
    ];
    const w0 = Math.max(...rows.map((r) => r[0].length));
    const w1 = Math.max(...rows.map((r) => r[1].length));
    const lines = [
      `Lucarne benchmark - ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), Node ${process.version}, embedded store, ` +
        `${values.compiled ? 'compiled' : 'tsx'}, LOG_LEVEL=${values['log-level']}`,
      `Data: ${values.patients} patients, ${fmt(totalResources)} resources (seed ${values.seed}), ${values['per-bundle']} patients per bundle, after a warm-up of ${warmupBundles * perBundle} patients`,
      '',
      `| ${'Measure'.padEnd(w0)} | ${'Result'.padEnd(w1)} | Goal |`,
      `|${'-'.repeat(w0 + 2)}|${'-'.repeat(w1 + 2)}|------|`,
      ...rows.map(([a, b, c]) => `| ${a.padEnd(w0)} | ${b.padEnd(w1)} | ${c} |`),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    const code = await server.stop();
    if (code !== 0) process.stderr.write(`server exited with ${code}\n`);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
