import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/**
 * `lucarne token --scope SCOPE` run as an operator would, with the server's settings (`env`: its data folder
 * and port, from which the token's audience, the base URL, is derived). From the sources, so a stale dist/
 * cannot answer for the code under test.
 */
export function cliToken(scope: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'lucarne.js'), 'token', '--scope', scope], {
      cwd: ROOT,
      env: { ...process.env, LUCARNE_FROM_SOURCE: '1', LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.stderr.on('data', (d) => (err += String(d)));
    child.once('exit', (code) => {
      const token = out.trim();
      if (code === 0 && /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) resolve(token);
      else reject(new Error(`lucarne token exited ${code}: ${err || out}`));
    });
  });
}
