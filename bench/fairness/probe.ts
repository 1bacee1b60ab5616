/**
 * The cheap-read prober of the fairness benchmark, run as its own process (forked with an IPC channel) so
 * that a heavy response the benchmark receives never delays the probe's own clock. Open loop: one GET by id
 * is scheduled every `intervalMs` whatever the previous ones are doing, and each latency is counted from
 * the moment the request was due, so a stalled server shows up as many slow reads, not as one.
 * Messages in: { type: 'start', baseUrl, paths, intervalMs } then { type: 'stop' }; out: 'started', then a ProbeResult.
 * PROBE_TRACE=1 prints each read's due time and latency (ms) on stderr, to see when a stall happened.
 */
import { Agent, request } from 'node:http';
import { setPriority } from 'node:os';

export interface ProbeStart {
  type: 'start';
  baseUrl: string;
  paths: string[];
  intervalMs: number;
}

export interface ProbeResult {
  reads: number;
  failed: number;
  p50: number;
  p99: number;
  max: number;
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });
const latencies: number[] = [];
let failed = 0;
let pending = 0;
let timer: NodeJS.Timeout | undefined;

function readOnce(url: URL, due: number): void {
  pending++;
  const done = (ok: boolean) => {
    pending--;
    if (ok) latencies.push(performance.now() - due);
    else failed++;
    if (process.env.PROBE_TRACE) process.stderr.write(`${due.toFixed(0)} ${(performance.now() - due).toFixed(0)}\n`);
  };
  const req = request(url, { agent, headers: { accept: 'application/fhir+json' } }, (res) => {
    res.resume();
    res.once('end', () => done(res.statusCode === 200));
  });
  req.once('error', () => done(false));
  req.end();
}

function start(m: ProbeStart): void {
  let next = performance.now();
  let i = 0;
  const tick = () => {
    // Catch up on every read that fell due while this process was busy, each timed from its due moment.
    while (performance.now() >= next) {
      readOnce(new URL(`${m.baseUrl}/${m.paths[i++ % m.paths.length]}`), next);
      next += m.intervalMs;
    }
    timer = setTimeout(tick, Math.max(0, next - performance.now()));
  };
  tick();
  process.send?.('started');
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function stop(): Promise<void> {
  clearTimeout(timer);
  const deadline = performance.now() + 30_000;
  while (pending > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  failed += pending;
  const sorted = latencies.sort((a, b) => a - b);
  const result: ProbeResult = { reads: sorted.length, failed, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN };
  process.send?.(result, () => process.exit(0));
}

// The prober measures the server, so it should not wait for the CPU behind the heavy client (the benchmark
// process receiving tens of megabytes) on a small machine: it asks for a higher priority (root only).
try {
  setPriority(-10);
} catch {
  // not allowed: measured at normal priority
}

process.on('message', (m: ProbeStart | { type: 'stop' }) => {
  if (m.type === 'start') start(m);
  else void stop();
});
