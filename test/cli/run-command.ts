import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Environment of a spawned command: sources (not a stale dist/), quiet logs, no MongoDB from the Mongo suites. */
function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, MONGODB_URL: '', LUCARNE_FROM_SOURCE: '1', LOG_LEVEL: 'warn', ...extra };
}

/** Runs `bin/lucarne.js` as a user would (node bin/lucarne.js …, which is what `npx lucarne` runs). */
export function lucarne(args: string[], extraEnv: Record<string, string> = {}, input?: string): RunResult {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'lucarne.js'), ...args], { cwd: ROOT, env: env(extraEnv), encoding: 'utf8', timeout: 90_000, ...(input === undefined ? {} : { input }) });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs the data generator as `npm run generate -- …` does (tsx bench/generate/main.ts …). */
export function generate(args: string[]): RunResult {
  const tsx = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  const r = spawnSync(process.execPath, [tsx, join(ROOT, 'bench', 'generate', 'main.ts'), ...args], { cwd: ROOT, env: env({}), encoding: 'utf8', timeout: 90_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts `lucarne serve`, resolves with its port once it logs "ready", and a stop function. */
export function serve(extraEnv: Record<string, string>): Promise<{ port: number; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'lucarne.js'), 'serve'], { cwd: ROOT, env: env({ LOG_LEVEL: 'info', PORT: '0', ...extraEnv }) });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`lucarne serve did not get ready:\n${output}`));
    }, 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const ready = output.split('\n').map((l) => { try { return JSON.parse(l) as { msg?: string; url?: string }; } catch { return undefined; } }).find((l) => l?.msg === 'ready');
      if (!ready?.url) return;
      clearTimeout(timer);
      const stop = () => new Promise<void>((done) => {
        child.once('exit', () => done());
        child.kill('SIGTERM');
      });
      resolve({ port: Number(new URL(ready.url).port), stop });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`lucarne serve exited with ${code}:\n${output}`));
    });
  });
}
