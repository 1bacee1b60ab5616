/**
 * Cost of SMART authorization and the audit trail on the FHIR read path. Starts two Lucarne servers in child
 * processes on 127.0.0.1 (embedded store, temporary folders), one with LUCARNE_AUTH=open and one with
 * LUCARNE_AUTH=smart (every access journalled durably before the answer), ingests the same generated patients
 * into both through the API, then runs the same closed-loop loads against each in turn, from a separate
 * load-generator process: read by id, ImagingStudy?patient=X and Observation?patient=X. The smart server's
 * load carries a token made by `lucarne token --scope system/*.rs` with that server's settings.
 * Prints req/s, p50/p99 and server CPU per request for each, and smart/open.
 *   npx tsx bench/auth/auth-overhead.ts [--patients 300] [--connections 32] [--duration 10] [--warmup 3] [--rounds 2]
 *     [--load-generator auto|wrk|node] [--log-level info] [--node-args "..."] [--seed N]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Dataset } from '../generate/dataset';
import { ingest } from '../ingest';
import type { ReadLoadResult } from '../load/read-load';
import { startServer, type ServerProcess } from '../server-process';
import { cliToken } from './cli-token';
import { chooseGenerator, runLoad } from './load';

const { values } = parseArgs({
  options: {
    patients: { type: 'string', default: '300' },
    'per-bundle': { type: 'string', default: '10' },
    clients: { type: 'string', default: '4' },
    connections: { type: 'string', default: '32' },
    duration: { type: 'string', default: '10' },
    /** Rounds of the three loads; odd rounds measure the open server first, even rounds the smart one. */
    rounds: { type: 'string', default: '2' },
    /** Unmeasured seconds of the same load before each measured one (JIT, caches, the generator's own start). */
    warmup: { type: 'string', default: '3' },
    seed: { type: 'string', default: '20240611' },
    'log-level': { type: 'string', default: 'info' },
    'node-args': { type: 'string', default: '' },
    'load-generator': { type: 'string', default: 'auto' },
  },
});

type Mode = 'open' | 'smart';

interface Target {
  mode: Mode;
  server: ServerProcess;
  dir: string;
  /** Authorization header of the loads (smart only). */
  headers: Record<string, string>;
  /** Load paths by workload, relative to the FHIR base. */
  paths: Record<Workload, string[]>;
}

const WORKLOADS = ['read by id', 'ImagingStudy?patient=X', 'Observation?patient=X'] as const;
type Workload = (typeof WORKLOADS)[number];

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function serverCpuMs(server: ServerProcess): number {
  return [...server.threadCpuMs().values()].reduce((a, b) => a + b, 0);
}

async function prepare(mode: Mode, root: string, bodies: { json: string; entries: number }[], reference: string): Promise<Target> {
  const dir = join(root, mode);
  const dataDir = join(dir, 'data');
  process.stderr.write(`Starting the ${mode} server...\n`);
  const server = await startServer({ LUCARNE_DATA_DIR: dataDir, LOG_LEVEL: values['log-level'], LUCARNE_AUTH: mode }, false, values['node-args'].split(' ').filter(Boolean));
  // The settings the operator's `lucarne token` must share with the server: the data folder (signing key) and
  // the port (the base URL, i.e. the token's audience).
  const settings = { LUCARNE_DATA_DIR: dataDir, PORT: new URL(server.baseUrl).port };
  const bearer = async (scope: string): Promise<Record<string, string>> => (mode === 'smart' ? { authorization: `Bearer ${await cliToken(scope, settings)}` } : {});
  const writer = await bearer('system/*.cruds');
  const headers = await bearer('system/*.rs');

  const answer = await fetch(server.baseUrl, { method: 'POST', headers: { 'content-type': 'application/fhir+json', ...writer }, body: reference });
  if (answer.status !== 200) throw new Error(`${mode}: reference data refused: ${answer.status} ${await answer.text()}`);
  process.stderr.write(`Ingesting ${bodies.length} transaction Bundles into the ${mode} server...\n`);
  const loaded = await ingest(server.baseUrl, bodies, Number(values.clients), writer);
  if (loaded.failures.length > 0) throw new Error(`${mode}: ${loaded.failures.length} bundles failed; first: ${loaded.failures[0]}`);
  const patients = loaded.locations.filter((l) => l.startsWith('Patient/'));
  const paths: Record<Workload, string[]> = {
    'read by id': loaded.locations,
    'ImagingStudy?patient=X': patients.map((p) => `ImagingStudy?patient=${p}`),
    'Observation?patient=X': patients.map((p) => `Observation?patient=${p}`),
  };
  // Each workload answers 200 with a match under this server's authorization before it is measured.
  for (const workload of WORKLOADS) {
    const response = await fetch(`${server.baseUrl}/${paths[workload][0]}`, { headers: { accept: 'application/fhir+json', ...headers } });
    const body = (await response.json()) as { resourceType?: string; entry?: unknown[] };
    if (response.status !== 200 || (body.resourceType === 'Bundle' && !body.entry?.length)) {
      throw new Error(`${mode}: ${paths[workload][0]} answered ${response.status} ${JSON.stringify(body).slice(0, 300)}`);
    }
  }
  return { mode, server, dir, headers, paths };
}

interface Measured {
  result: ReadLoadResult;
  cpuUsPerRequest: number;
}

async function measure(target: Target, workload: Workload, generator: 'wrk' | 'node'): Promise<Measured> {
  process.stderr.write(`  ${target.mode}: ${workload}, ${values.connections} connections, ${values.duration} s...\n`);
  const options = {
    baseUrl: target.server.baseUrl,
    paths: target.paths[workload],
    connections: Number(values.connections),
    durationMs: Number(values.duration) * 1000,
    warmupMs: Number(values.warmup) * 1000,
    seed: 1,
    headers: target.headers,
  };
  // Server CPU over warm-up and measurement together, per request measured: a slight overestimate, the same for both.
  const before = serverCpuMs(target.server);
  const result = await runLoad(generator, options, target.dir);
  const warmupShare = (options.durationMs + options.warmupMs) / options.durationMs;
  return { result, cpuUsPerRequest: ((serverCpuMs(target.server) - before) * 1000) / warmupShare / Math.max(1, result.requests) };
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'lucarne-auth-bench-'));
  const dataset = new Dataset({ patients: Number(values.patients), patientsPerBundle: Number(values['per-bundle']), seed: Number(values.seed) });
  const bodies = [...dataset.patientBundles()].map((b) => ({ json: JSON.stringify(b), entries: b.entry?.length ?? 0 }));
  const resources = bodies.reduce((n, b) => n + b.entries, 0);
  const reference = JSON.stringify(dataset.referenceBundle());
  const generator = chooseGenerator(values['load-generator']);
  const targets: Target[] = [];
  const load0 = loadavg();
  try {
    targets.push(await prepare('open', root, bodies, reference));
    targets.push(await prepare('smart', root, bodies, reference));
    const rows: string[] = [];
    for (let round = 1; round <= Number(values.rounds); round++) {
      for (const workload of WORKLOADS) {
        const openFirst = round % 2 === 1;
        const first = await measure(targets[openFirst ? 0 : 1], workload, generator);
        const second = await measure(targets[openFirst ? 1 : 0], workload, generator);
        const [open, smart] = openFirst ? [first, second] : [second, first];
        const errors = open.result.errors + smart.result.errors;
        if (errors > 0) process.stderr.write(`${workload}: ${open.result.errors} / ${smart.result.errors} errors (open / smart): ${JSON.stringify(smart.result.statuses)}\n`);
        const cell = (m: Measured) =>
          `${fmt(m.result.rps)} req/s, ${fmt(m.result.latencyMs.p50, 2)} / ${fmt(m.result.latencyMs.p99, 2)} ms, ${fmt(m.cpuUsPerRequest)} µs`;
        const ratio = smart.result.rps / open.result.rps;
        rows.push(
          `| ${Number(values.rounds) > 1 ? `${round} (${openFirst ? 'open' : 'smart'} first): ` : ''}${workload} | ${cell(open)} | ${cell(smart)} | ${fmt(ratio * 100, 1)} % ${ratio >= 0.85 ? '(met)' : '(missed)'} | ${errors} |`,
        );
      }
    }
    const load1 = loadavg();
    const lines = [
      `Authorization overhead - ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), Node ${process.version}, embedded store, tsx, LOG_LEVEL=${values['log-level']}, ` +
        `${generator} load generator, ${values.connections} connections, ${values.duration} s per load after ${values.warmup} s of warm-up`,
      `Data: ${values.patients} patients, ${fmt(resources)} resources (seed ${values.seed}) in each server; load average ${load0.map((l) => l.toFixed(2)).join(' ')} at the start, ` +
        `${load1.map((l) => l.toFixed(2)).join(' ')} at the end`,
      '',
      '| Load | open: throughput, p50 / p99, server CPU per request | smart + audit | smart / open (goal >= 85 %) | errors |',
      '|---|---|---|---|---|',
      ...rows,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    for (const target of targets) {
      const code = await target.server.stop();
      if (code !== 0) process.stderr.write(`${target.mode} server exited with ${code}\n`);
    }
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
