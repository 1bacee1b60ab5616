import { appendFileSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from './free-port';

const ROOT = join(__dirname, '..');

export interface ServerProcess {
  child: ChildProcess;
  pid: number;
  baseUrl: string;
  /** Milliseconds from spawn to /readyz answering 200, and the server's own process-start-to-ready figure (log level info). */
  spawnToReadyMs: number;
  reportedStartupMs: number;
  /** Peak resident set size so far (VmHWM), in MiB. */
  peakRssMiB(): number;
  rssMiB(): number;
  /** CPU milliseconds used so far by the server's main thread, its named threads and the rest (Linux; empty elsewhere). */
  threadCpuMs(): Map<string, number>;
  stop(): Promise<number | null>;
}

/** Kernel ticks per second for /proc stat times (USER_HZ, 100 on Linux). */
const TICKS_PER_S = 100;

/**
 * utime + stime of pid's main thread, of the threads Lucarne names (lucarne-writer, lucarne-ckpt) and of
 * all its other threads together (V8's GC and compiler threads, libuv's pool).
 */
function threadCpu(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const name = tid === String(pid) ? 'main thread' : comm.startsWith('lucarne-') ? comm : 'other threads';
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ms = ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_S;
      out.set(name, (out.get(name) ?? 0) + ms);
    }
  } catch {
    // not Linux, or the process is gone
  }
  return out;
}

function statusField(pid: number, field: string): number {
  const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
  return match ? Number(match[1]) / 1024 : NaN;
}

/**
 * Starts `src/main.ts` in its own Node process (tsx's require hook, so the PID is the server itself) on
 * and resolves once /readyz answers. Its logs are drained, not printed (BENCH_SERVER_LOG=FILE appends them there).
 */
export async function startServer(env: Record<string, string>, compiled = false, nodeArgs: string[] = []): Promise<ServerProcess> {
  const port = await freePort();
  const args = compiled
    ? [...nodeArgs, join(ROOT, 'dist', 'src', 'main.js')]
    : [...nodeArgs, '--require', 'tsx/cjs', join(ROOT, 'src', 'main.ts')];
  const started = Date.now();
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, LUCARNE_HOST: '127.0.0.1', PORT: String(port), LUCARNE_AUTH: 'open', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += String(d)));
  let reportedStartupMs = NaN;
  const logFile = process.env.BENCH_SERVER_LOG;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (logFile) appendFileSync(logFile, `${line}\n`);
    if (!line.includes('"ready"')) return;
    try {
      reportedStartupMs = (JSON.parse(line) as { startupMs?: number }).startupMs ?? NaN;
    } catch {
      // not a log line
    }
  });
  // Readiness is polled, not read from the log, so that quieter log levels work too.
  while (!(await isReady(port))) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}) before ready:\n${stderr}`);
    if (Date.now() - started > 30_000) throw new Error(`server not ready after 30 s:\n${stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const spawnToReadyMs = Date.now() - started;
  const pid = child.pid!;
  return {
    child,
    pid,
    baseUrl: `http://127.0.0.1:${port}/fhir`,
    spawnToReadyMs,
    get reportedStartupMs() {
      return reportedStartupMs;
    },
    peakRssMiB: () => statusField(pid, 'VmHWM'),
    rssMiB: () => statusField(pid, 'VmRSS'),
    threadCpuMs: () => threadCpu(pid),
    stop: () =>
      new Promise((done) => {
        if (child.exitCode !== null) return done(child.exitCode);
        child.once('exit', (code) => done(code));
        child.kill('SIGTERM');
      }),
  };
}

async function isReady(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/readyz`)).ok;
  } catch {
    return false;
  }
}
