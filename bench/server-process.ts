import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from './free-port';

const ROOT = join(__dirname, '..');

export interface ServerProcess {
  child: ChildProcess;
  pid: number;
  baseUrl: string;
  /** Milliseconds from spawn to the "ready" log line, and the server's own process-start-to-ready figure. */
  spawnToReadyMs: number;
  reportedStartupMs: number;
  /** Peak resident set size so far (VmHWM), in MiB. */
  peakRssMiB(): number;
  rssMiB(): number;
  stop(): Promise<number | null>;
}

function statusField(pid: number, field: string): number {
  const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
  return match ? Number(match[1]) / 1024 : NaN;
}

/**
 * Starts `src/main.ts` in its own Node process (tsx's require hook, so the PID is the server itself) on
 * 127.0.0.1 with a free port, and resolves once it logs "ready". Its logs are drained, not printed.
 */
export async function startServer(env: Record<string, string>, compiled = false): Promise<ServerProcess> {
  const port = await freePort();
  const args = compiled
    ? [join(ROOT, 'dist', 'src', 'main.js')]
    : ['--require', 'tsx/cjs', join(ROOT, 'src', 'main.ts')];
  const started = Date.now();
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, LUCARNE_HOST: '127.0.0.1', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += String(d)));
  return new Promise<ServerProcess>((resolve, reject) => {
    const exited = (code: number | null) => reject(new Error(`server exited (${code}) before ready:\n${stderr}`));
    child.once('exit', exited);
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      let entry: { msg?: string; startupMs?: number };
      try {
        entry = JSON.parse(line);
      } catch {
        return;
      }
      if (entry.msg !== 'ready') return;
      child.off('exit', exited);
      const pid = child.pid!;
      resolve({
        child,
        pid,
        baseUrl: `http://127.0.0.1:${port}/fhir`,
        spawnToReadyMs: Date.now() - started,
        reportedStartupMs: entry.startupMs ?? NaN,
        peakRssMiB: () => statusField(pid, 'VmHWM'),
        rssMiB: () => statusField(pid, 'VmRSS'),
        stop: () =>
          new Promise((done) => {
            child.once('exit', (code) => done(code));
            child.kill('SIGTERM');
          }),
      });
    });
  });
}
