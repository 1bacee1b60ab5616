import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../bench/free-port';

const ROOT = join(__dirname, '..', '..');

interface Started {
  child: ChildProcess;
  port: number;
  logs: () => Record<string, unknown>[];
  exit: Promise<number | null>;
}

async function startMain(env: Record<string, string>): Promise<Started> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', join(ROOT, 'src', 'main.ts')], {
    cwd: ROOT,
    env: { ...process.env, LUCARNE_HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const logs = () =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const deadline = Date.now() + 20_000;
  while (!logs().some((l) => l.msg === 'ready')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`server did not become ready:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, port, logs, exit };
}

function call(port: number, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { 'content-type': 'application/fhir+json' } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += String(d)));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

describe('the server process (src/main.ts)', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'lucarne-ops-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts ready, warns that the API is open, finishes an in-flight request on SIGTERM and keeps acknowledged writes', async () => {
    const first = await startMain({ LUCARNE_DATA_DIR: dataDir });
    const ready = first.logs().find((l) => l.msg === 'ready')!;
    expect(typeof ready.startupMs).toBe('number');
    const warning = first.logs().find((l) => l.level === 'warn' && l.security === 'open-api');
    expect(String(warning?.msg)).toMatch(/API is OPEN/);

    expect((await call(first.port, 'GET', '/readyz')).status).toBe(200);
    const created = await call(first.port, 'POST', '/fhir/Patient', { resourceType: 'Patient', name: [{ family: 'Hébert' }] });
    expect(created.status).toBe(201);

    // A request in flight: headers and half of its body are sent before SIGTERM, the rest after.
    const body = JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Lefèvre-Dupré' }] });
    const inFlight = new Promise<{ status: number; body: any }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: first.port,
          method: 'POST',
          path: '/fhir/Patient',
          headers: { 'content-type': 'application/fhir+json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          let text = '';
          res.on('data', (d) => (text += String(d)));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, 20));
      setTimeout(() => {
        first.child.kill('SIGTERM');
        setTimeout(() => req.end(body.slice(20)), 300);
      }, 200);
    });
    const late = await inFlight;
    expect(late.status).toBe(201);
    expect(await first.exit).toBe(0);
    expect(first.logs().some((l) => l.msg === 'stopped')).toBe(true);

    const second = await startMain({ LUCARNE_DATA_DIR: dataDir });
    try {
      for (const id of [created.body.id, late.body.id]) {
        const read = await call(second.port, 'GET', `/fhir/Patient/${id}`);
        expect(read.status).toBe(200);
      }
    } finally {
      second.child.kill('SIGTERM');
      expect(await second.exit).toBe(0);
    }
  }, 60_000);

  it('refuses a bad setting with exit code 2 and a message naming it, without a stack trace', async () => {
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', join(ROOT, 'src', 'main.ts')], {
      cwd: ROOT,
      env: { ...process.env, PORT: 'abc', LUCARNE_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += String(d)));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toMatch(/PORT: must be integer \(got "abc"\)/);
    expect(stderr).not.toMatch(/\n\s+at /);
  }, 30_000);

  it('refuses MONGODB_URL clearly while the MongoDB backend does not exist', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', join(ROOT, 'src', 'main.ts')], {
      cwd: ROOT,
      env: { ...process.env, PORT: String(port), LUCARNE_HOST: '127.0.0.1', LUCARNE_DATA_DIR: dataDir, MONGODB_URL: 'mongodb://127.0.0.1:1/x' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += String(d)));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toMatch(/MONGODB_URL: the MongoDB backend is not available yet/);
  }, 30_000);
});
