/**
 * What the request limits cost, side by side: the same in-process workload (no HTTP, so that socket noise
 * stays out) with the limits as shipped, and with the two that run on every request switched off (the body's
 * entry and value budget, and the FHIRPath meter of search extraction and profile invariants). The
 * other limits are a few comparisons per request. Each run is a fresh child process on a fresh embedded
 * store; runs alternate, and the figures are process CPU time (user + system, all threads) per resource.
 * Run: npx tsx bench/limits/cost.ts [--patients 300] [--runs 5]
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config/load-config';
import { METERED_OPTIONS } from '../../src/fhir/model/fhirpath-meter';
import { BodyBudgetScan } from '../../src/kernel/json/body-budget-scan';
import { readJson } from '../../src/kernel/json/read-json';
import { Dataset } from '../generate/dataset';

const { values } = parseArgs({
  options: { patients: { type: 'string', default: '300' }, runs: { type: 'string', default: '5' }, child: { type: 'string' } },
});

interface RunResult {
  resources: number;
  ingestUs: number;
  readUs: number;
  reads: number;
}

async function child(mode: 'on' | 'off'): Promise<RunResult> {
  // Expressions are compiled when first used, after this: without the option, fhirpath.js runs unmetered.
  if (mode === 'off') delete (METERED_OPTIONS as { debugger?: unknown }).debugger;
  const dir = mkdtempSync(join(tmpdir(), 'lucarne-limits-'));
  const config = loadConfig({ env: { LUCARNE_DATA_DIR: dir, LOG_LEVEL: 'silent' } });
  const app = await createApp(config, { durability: 'normal' });
  const budget = mode === 'on' ? { maxEntries: config.maxBundleEntries, maxResourceValues: config.maxResourceElements } : undefined;
  const dataset = new Dataset({ patients: Number(values.patients), patientsPerBundle: 10 });
  const bodies = [JSON.stringify(dataset.referenceBundle()), ...[...dataset.patientBundles()].map((b) => JSON.stringify(b))];
  const buffers = new Map(bodies.map((text) => [text, Buffer.from(text)]));
  const post = (text: string) => {
    if (budget) new BodyBudgetScan(budget).feed(buffers.get(text)!);
    return app.router.handle(app.ctx, {
      method: 'POST',
      path: '',
      query: new URLSearchParams(),
      headers: { 'content-type': 'application/fhir+json' },
      body: readJson(text, { strict: true, maxDepth: 100 }),
    });
  };
  await post(bodies[0]); // warm-up: definitions, compiled expressions
  let resources = 0;
  const ids: string[] = [];
  const ingestStart = process.cpuUsage();
  for (const text of bodies.slice(1)) {
    const response = await post(text);
    for (const entry of (response.body as { entry?: { response?: { location?: string } }[] }).entry ?? []) {
      resources++;
      const patient = /(?:^|\/)Patient\/([^/]+)/.exec(entry.response?.location ?? '');
      if (patient) ids.push(patient[1]);
    }
  }
  const ingest = process.cpuUsage(ingestStart);
  const get = (path: string, query = '') => app.router.handle(app.ctx, { method: 'GET', path, query: new URLSearchParams(query), headers: {} });
  const readStart = process.cpuUsage();
  let reads = 0;
  for (let round = 0; round < 5; round++) {
    for (const id of ids) {
      await get(`Patient/${id}`);
      await get('Patient', `_id=${id}&_count=10`);
      reads += 2;
    }
  }
  const read = process.cpuUsage(readStart);
  await app.close();
  rmSync(dir, { recursive: true, force: true });
  return { resources, ingestUs: (ingest.user + ingest.system) / resources, readUs: (read.user + read.system) / reads, reads };
}

function runChild(mode: 'on' | 'off'): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const proc = fork(__filename, ['--child', mode, '--patients', values.patients!], { execArgv: ['--require', 'tsx/cjs'] });
    proc.once('message', (m) => resolve(m as RunResult));
    proc.once('exit', (code) => code !== 0 && reject(new Error(`child exited ${code}`)));
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  if (values.child) {
    const result = await child(values.child as 'on' | 'off');
    process.send?.(result, () => process.exit(0));
    return;
  }
  const runs: Record<'on' | 'off', RunResult[]> = { on: [], off: [] };
  for (let i = 0; i < Number(values.runs); i++) {
    for (const mode of i % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
      const r = await runChild(mode);
      runs[mode].push(r);
      console.error(`run ${i + 1} limits ${mode}: ingest ${r.ingestUs.toFixed(1)} µs/resource (${r.resources}), reads ${r.readUs.toFixed(1)} µs/request (${r.reads})`);
    }
  }
  const row = (label: string, key: 'ingestUs' | 'readUs') => {
    const on = median(runs.on.map((r) => r[key]));
    const off = median(runs.off.map((r) => r[key]));
    const spread = (xs: number[]) => `${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)}`;
    console.log(`| ${label} | ${on.toFixed(1)} (${spread(runs.on.map((r) => r[key]))}) | ${off.toFixed(1)} (${spread(runs.off.map((r) => r[key]))}) | ${(((on - off) / off) * 100).toFixed(1)} % |`);
  };
  console.log(`\n${values.patients} patients, ${runs.on[0].resources} resources, ${values.runs} runs each (median, range), CPU µs\n`);
  console.log('| workload | limits on | scan budget and FHIRPath meter off | cost |');
  console.log('|---|---:|---:|---:|');
  row('ingest, per resource (transactions of 10 patients)', 'ingestUs');
  row('read by id and search by _id, per request', 'readUs');
}

void main();
