/**
 * A closed-loop HTTP load generator, run as its own process so that its CPU use is not counted as the
 * server's: `connections` keep-alive sockets, each sending the next GET as soon as the previous answer
 * arrives, for `durationMs`. Prints one JSON line: requests, errors, statuses and latency percentiles.
 *   node --require tsx/cjs bench/load/read-load.ts options.json   (a ReadLoadOptions object)
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';

export interface ReadLoadOptions {
  baseUrl: string;
  paths: string[];
  connections: number;
  durationMs: number;
  warmupMs: number;
  seed: number;
  /** Extra request headers, e.g. Authorization. */
  headers?: Record<string, string>;
}

export interface ReadLoadResult {
  requests: number;
  errors: number;
  statuses: Record<string, number>;
  seconds: number;
  rps: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function runLoad(o: ReadLoadOptions): Promise<ReadLoadResult> {
  const url = new URL(o.baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: o.connections });
  const prefix = url.pathname.replace(/\/$/, '');
  let state = o.seed >>> 0;
  const nextPath = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return `${prefix}/${o.paths[state % o.paths.length]}`;
  };
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  let measuring = false;
  let stop = false;

  const once = () =>
    new Promise<void>((resolve) => {
      const started = process.hrtime.bigint();
      const req = request(
        { host: url.hostname, port: url.port, path: nextPath(), agent, headers: { accept: 'application/fhir+json', ...o.headers } },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (measuring) {
              latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
              statuses[res.statusCode ?? 0] = (statuses[res.statusCode ?? 0] ?? 0) + 1;
              if ((res.statusCode ?? 500) >= 400) errors++;
            }
            resolve();
          });
        },
      );
      req.on('error', () => {
        if (measuring) errors++;
        resolve();
      });
      req.end();
    });

  const worker = async () => {
    while (!stop) await once();
  };
  const workers = Array.from({ length: o.connections }, worker);
  await new Promise((r) => setTimeout(r, o.warmupMs));
  measuring = true;
  const t0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, o.durationMs));
  measuring = false;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  stop = true;
  await Promise.all(workers);
  agent.destroy();

  const sorted = Float64Array.from(latencies).sort();
  const mean = latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length);
  return {
    requests: latencies.length,
    errors,
    statuses,
    seconds,
    rps: latencies.length / seconds,
    latencyMs: { p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? NaN, mean },
  };
}

if (require.main === module) {
  const options = JSON.parse(readFileSync(process.argv[2], 'utf8')) as ReadLoadOptions;
  runLoad(options).then(
    (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
    (e) => {
      process.stderr.write(`${(e as Error).stack}\n`);
      process.exit(1);
    },
  );
}
