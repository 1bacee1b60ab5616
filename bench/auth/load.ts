import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ReadLoadOptions, ReadLoadResult } from '../load/read-load';
import { hasWrk, runWrkLoad } from '../load/wrk-load';

const ROOT = join(__dirname, '..', '..');

/** The Node load generator (bench/load/read-load.ts) in its own process, so that its CPU is not the server's. */
function runNodeLoad(options: ReadLoadOptions, file: string): Promise<ReadLoadResult> {
  writeFileSync(file, JSON.stringify(options));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', join(ROOT, 'bench', 'load', 'read-load.ts'), file], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as ReadLoadResult) : reject(new Error(`load generator exited ${code}`))));
  });
}

/** auto: wrk when installed, else the Node generator. */
export function chooseGenerator(choice: string): 'wrk' | 'node' {
  if (choice === 'node') return 'node';
  if (hasWrk()) return 'wrk';
  if (choice === 'wrk') process.stderr.write('wrk is not installed: using the Node load generator\n');
  return 'node';
}

/** One closed-loop GET load with the chosen generator; `dir` receives its option or Lua script file. */
export function runLoad(generator: 'wrk' | 'node', options: ReadLoadOptions, dir: string): Promise<ReadLoadResult> {
  return generator === 'wrk' ? runWrkLoad(options, dir) : runNodeLoad(options, join(dir, 'read-load.json'));
}
