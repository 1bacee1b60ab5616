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
import { METERED_OPTIONS, metered } from '../../src/fhir/model/fhirpath-meter';
import { BodyBudgetScan } from '../../src/kernel/json/body-budget-scan';
import { readJson } from '../../src/kernel/json/read-json';
import { Dataset } from '../generate/dataset';

const { values } = parseArgs({
  options: {
    patients: { type: 'string', default: '300' },
    runs: { type: 'string', default: '5' },
    child: { type: 'string' },
    count: { type: 'boolean', default: false },
  },
});

interface RunResult {
  resources: number;
  ingestUs: number;
  readUs: number;
  reads: number;
  /** 'on' runs: time in the body budget scan, and FHIRPath meter steps, during the ingest. */
  scanMs?: number;
  bodyBytes?: number;
  meterSteps?: number;
}

async function child(mode: 'on' | 'off'): Promise<RunResult> {
  // Expressions are compiled when first used, after this: without the option, fhirpath.js runs unmetered.
  const options = METERED_OPTIONS as { debugger?: (...args: unknown[]) => void };
  const onStep = options.debugger!;
  let meterSteps = 0;
  if (mode === 'off') delete options.debugger;
  else if (values.count) {
    options.debugger = (...args: unknown[]) => {
      meterSteps++;
      onStep(...args);
    };
  }
  let scanMs = 0;
  const dir = mkdtempSync(join(tmpdir(), 'lucarne-limits-'));
  const config = loadConfig({ env: { LUCARNE_DATA_DIR: dir, LOG_LEVEL: 'silent', LUCARNE_AUTH: 'open' } });
  const app = await createApp(config, { durability: 'normal' });
  const budget = mode === 'on' ? { maxEntries: config.maxBundleEntries, maxResourceValues: config.maxResourceElements } : undefined;
  const dataset = new Dataset({ patients: Number(values.patients), patientsPerBundle: 10 });
  const bodies = [JSON.stringify(dataset.referenceBundle()), ...[...dataset.patientBundles()].map((b) => JSON.stringify(b))];
  const buffers = new Map(bodies.map((text) => [text, Buffer.from(text)]));
  const post = (text: string) => {
    if (budget) {
      const t = performance.now();
      new BodyBudgetScan(budget).feed(buffers.get(text)!);
      scanMs += performance.now() - t;
    }
    return app.handle({
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
  scanMs = 0;
  meterSteps = 0;
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
  const get = (path: string, query = '') => app.handle({ method: 'GET', path, query: new URLSearchParams(query), headers: {} });
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
  const bodyBytes = bodies.slice(1).reduce((n, text) => n + buffers.get(text)!.length, 0);
  return { resources, ingestUs: (ingest.user + ingest.system) / resources, readUs: (read.user + read.system) / reads, reads, scanMs, bodyBytes, meterSteps };
}

function runChild(mode: 'on' | 'off', count = false): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const args = ['--child', mode, '--patients', values.patients!, ...(count ? ['--count'] : [])];
    const proc = fork(__filename, args, { execArgv: ['--require', 'tsx/cjs'] });
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

  // The same costs taken apart, which the spread above cannot resolve: the budget scan is timed around each
  // body, the meter's steps are counted (one more run) and one step is timed in a loop.
  const counted = await runChild('on', true);
  const ingestMs = (median(runs.on.map((r) => r.ingestUs)) * counted.resources) / 1000;
  const scanMs = median(runs.on.map((r) => r.scanMs ?? 0));
  const stepNs = timeMeterStep();
  const meterMs = (counted.meterSteps! * stepNs) / 1e6;
  console.log(`\nTaken apart, against the median ingest CPU of ${ingestMs.toFixed(0)} ms:`);
  console.log(`- body budget scan: ${scanMs.toFixed(1)} ms for ${(counted.bodyBytes! / 1e6).toFixed(1)} MB (${((scanMs * 1e6) / counted.bodyBytes!).toFixed(2)} ns/byte), ${((scanMs / ingestMs) * 100).toFixed(2)} %`);
  console.log(`- FHIRPath meter: ${counted.meterSteps} steps × ${stepNs.toFixed(0)} ns = ${meterMs.toFixed(1)} ms, ${((meterMs / ingestMs) * 100).toFixed(2)} %`);
}

/** Nanoseconds of one meter step (the hook fhirpath.js calls per evaluated node), inside a metered evaluation. */
function timeMeterStep(): number {
  const onStep = (METERED_OPTIONS as { debugger?: (...args: unknown[]) => void }).debugger!;
  const result = [1, 2, 3];
  const loops = 2_000_000;
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const t = performance.now();
    // Each evaluation may take 25,000 steps: run them in slices under fresh meters.
    for (let done = 0; done < loops; done += 20_000) metered('bench', () => {
      for (let i = 0; i < 20_000; i++) onStep(undefined, undefined, result);
    });
    best = Math.min(best, ((performance.now() - t) * 1e6) / loops);
  }
  return best;
}

void main();
