/**
 * `npx tsx bench/fairness/run.ts`: event-loop fairness. Starts Lucarne in a child process (embedded store,
 * temp data dir, 127.0.0.1), loads a data set, then for each heavy request of heavy-requests.ts measures the
 * latency of other clients' cheap reads (an open-loop prober in a third process: GET by id every few ms)
 * while that one request runs. Goal: cheap-read p99 under 50 ms during every heavy request, whether the
 * server completes it or refuses it.
 * Options: --patients N (2000) --interval-ms N (5) --only SUBSTRING --timeout S (120) --compiled
 *          --node-args "..." (extra flags for the server process, e.g. --cpu-prof --cpu-prof-dir=/tmp/prof)
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Dataset } from '../generate/dataset';
import { ingest } from '../ingest';
import { startServer, type ServerProcess } from '../server-process';
import { heavyRequests, type Fixture, type HeavyRequest } from './heavy-requests';
import type { ProbeResult, ProbeStart } from './probe';

const { values } = parseArgs({
  options: {
    patients: { type: 'string', default: '2000' },
    'interval-ms': { type: 'string', default: '5' },
    only: { type: 'string' },
    timeout: { type: 'string', default: '120' },
    compiled: { type: 'boolean', default: false },
    'node-args': { type: 'string', default: '' },
  },
});

const BUSY_STUDIES = 3000;

async function post(base: string, path: string, body: object): Promise<{ id?: string }> {
  const response = await fetch(`${base}/${path}`, { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(body) });
  if (response.status >= 300) throw new Error(`seeding ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as { id?: string };
}

async function seed(server: ServerProcess): Promise<{ fixture: Fixture; readPaths: string[] }> {
  const dataset = new Dataset({ patients: Number(values.patients), patientsPerBundle: 10 });
  await post(server.baseUrl, '', dataset.referenceBundle());
  const bodies = [...dataset.patientBundles()].map((b) => ({ json: JSON.stringify(b), entries: b.entry?.length ?? 0 }));
  const loaded = await ingest(server.baseUrl, bodies, 2);
  if (loaded.failures.length > 0) throw new Error(`seeding failed: ${loaded.failures[0]}`);
  const names = Array.from({ length: 10 }, (_, i) => ({ family: `Cible${i}`, given: ['Jeanne', 'Marie'] }));
  const target = await post(server.baseUrl, 'Patient', {
    resourceType: 'Patient',
    name: names,
    extension: [{ url: 'http://example.org/fairness', valueString: 'x'.repeat(64) }],
  });
  const busy = await post(server.baseUrl, 'Patient', { resourceType: 'Patient', name: [{ family: 'Occupé' }] });
  for (let first = 0; first < BUSY_STUDIES; first += 500) {
    const entry = Array.from({ length: 500 }, (_, i) => ({
      resource: {
        resourceType: 'ImagingStudy',
        status: 'available',
        subject: { reference: `Patient/${busy.id}` },
        started: new Date(Date.UTC(2015, 0, 1) + (first + i) * 86_400_000).toISOString(),
        series: [{ uid: `1.2.250.1.999.${first + i}.1`, modality: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'CT' } }],
      },
      request: { method: 'POST', url: 'ImagingStudy' },
    }));
    await post(server.baseUrl, '', { resourceType: 'Bundle', type: 'transaction', entry });
  }
  const readPaths = loaded.locations.filter((l) => l.startsWith('Patient/')).slice(0, 500);
  return { fixture: { patchTarget: target.id!, busyPatient: busy.id! }, readPaths };
}

interface Row {
  name: string;
  status: string;
  heavyMs: number;
  responseBytes: number;
  probe: ProbeResult;
}

function startProbe(start: ProbeStart) {
  const child = fork(join(__dirname, 'probe.ts'), [], { execArgv: ['--require', 'tsx/cjs'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const started = new Promise<void>((resolve) => child.once('message', () => resolve()));
  child.send(start);
  return {
    started,
    stop: () =>
      new Promise<ProbeResult>((resolve) => {
        child.once('message', (m) => resolve(m as ProbeResult));
        child.send({ type: 'stop' });
      }),
  };
}

async function runOne(server: ServerProcess, heavy: HeavyRequest, readPaths: string[]): Promise<Row> {
  const probe = startProbe({ type: 'start', baseUrl: server.baseUrl, paths: readPaths, intervalMs: Number(values['interval-ms']) });
  await probe.started;
  await new Promise((r) => setTimeout(r, 300));
  const t0 = performance.now();
  let status: string;
  let responseBytes = 0;
  try {
    const response = await fetch(`${server.baseUrl}/${heavy.path}`, {
      method: heavy.method,
      headers: heavy.headers,
      body: heavy.body,
      signal: AbortSignal.timeout(Number(values.timeout) * 1000),
    });
    responseBytes = (await response.arrayBuffer()).byteLength;
    status = String(response.status);
  } catch (e) {
    status = server.child.exitCode !== null ? `server died (${server.child.exitCode ?? server.child.signalCode})` : (e as Error).name;
  }
  const heavyMs = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 300));
  return { name: heavy.name, status, heavyMs, responseBytes, probe: await probe.stop() };
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '-');

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lucarne-fairness-'));
  const server = await startServer({ LUCARNE_DATA_DIR: join(dir, 'data'), LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn' }, values.compiled, values['node-args'].split(' ').filter(Boolean));
  const rows: Row[] = [];
  try {
    process.stderr.write(`Loading ${values.patients} patients and a patient with ${BUSY_STUDIES} studies...\n`);
    const { fixture, readPaths } = await seed(server);
    const baseline = await runOne(server, { name: 'none (baseline: one more read by id)', method: 'GET', path: readPaths[0] }, readPaths);
    rows.push(baseline);
    for (const heavy of heavyRequests(fixture).filter((h) => !values.only || h.name.includes(values.only))) {
      if (server.child.exitCode !== null) break;
      process.stderr.write(`${heavy.name}...\n`);
      rows.push(await runOne(server, heavy, readPaths));
    }
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const lines = [
    `Lucarne fairness - ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), Node ${process.version}, embedded store, ${values.patients} patients; ` +
      `cheap reads: GET Patient/{id} every ${values['interval-ms']} ms, open loop, from a separate process`,
    '',
    '| Heavy request | Status | Its time | Response | Cheap reads | p50 | p99 | max | Goal p99 < 50 ms |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) =>
      `| ${r.name} | ${r.status} | ${fmt(r.heavyMs)} ms | ${fmt(r.responseBytes / 1024)} KiB | ${r.probe.reads}${r.probe.failed ? ` (${r.probe.failed} failed)` : ''} | ` +
      `${fmt(r.probe.p50, 1)} ms | ${fmt(r.probe.p99, 1)} ms | ${fmt(r.probe.max)} ms | ${r.probe.p99 < 50 && r.probe.failed === 0 ? 'met' : 'NOT met'} |`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
