import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../bench/free-port';
import { dropDatabase, withDatabase } from '../mongo/mongo-test-backend';
import { describeMongo, dropTestStore, mongoUrl, openTestStore, uniqueDbName } from '../mongo/mongo-test-env';

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
    // The embedded store unless a case names a MONGODB_URL (the one of the MongoDB suites must not leak in).
    env: { ...process.env, MONGODB_URL: '', LUCARNE_HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'info', LUCARNE_AUTH: 'open', ...env },
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

  it('starts ready on loopback by default, warns that the API is open, finishes an in-flight request on SIGTERM and keeps acknowledged writes', async () => {
    // No LUCARNE_HOST: while the API is open the default interface is the loopback one.
    const first = await startMain({ LUCARNE_DATA_DIR: dataDir, LUCARNE_HOST: '' });
    const ready = first.logs().find((l) => l.msg === 'ready')!;
    expect(typeof ready.startupMs).toBe('number');
    expect(ready.url).toBe(`http://127.0.0.1:${first.port}`);
    const warning = first.logs().find((l) => l.level === 'warn' && l.security === 'open-api');
    expect(String(warning?.msg)).toMatch(/API is OPEN/);
    expect(String(warning?.msg)).toContain(`127.0.0.1:${first.port}`);
    expect(warning?.host).toBe('127.0.0.1');

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
      env: { ...process.env, MONGODB_URL: '', PORT: 'abc', LUCARNE_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += String(d)));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toMatch(/PORT: must be integer \(got "abc"\)/);
    expect(stderr).not.toMatch(/\n\s+at /);
  }, 30_000);

  it('uses the MongoDB backend when MONGODB_URL is set, and the embedded store otherwise', async () => {
    const embedded = await startMain({ LUCARNE_DATA_DIR: dataDir });
    try {
      expect(embedded.logs().find((l) => l.msg === 'ready')?.backend).toBe('embedded');
    } finally {
      embedded.child.kill('SIGTERM');
      expect(await embedded.exit).toBe(0);
    }
    if (!mongoUrl) return; // describeMongo below fails the run under CI=true when no server started
    const url = withDatabase(mongoUrl, uniqueDbName('ops'));
    const a = await startMain({ LUCARNE_DATA_DIR: dataDir, MONGODB_URL: url });
    const b = await startMain({ LUCARNE_DATA_DIR: dataDir, MONGODB_URL: url });
    try {
      expect(a.logs().find((l) => l.msg === 'ready')?.backend).toBe('mongo');
      expect((await call(a.port, 'GET', '/readyz')).status).toBe(200);
      // Two processes, one database: what one writes, the other reads.
      const created = await call(a.port, 'POST', '/fhir/Patient', { resourceType: 'Patient', name: [{ family: 'Mongo' }] });
      expect(created.status).toBe(201);
      const read = await call(b.port, 'GET', `/fhir/Patient/${created.body.id}`);
      expect(read.status).toBe(200);
      expect(read.body.name[0].family).toBe('Mongo');
      const cs = (await call(b.port, 'GET', '/fhir/metadata')).body;
      const codes = cs.rest[0].interaction.map((i: { code: string }) => i.code);
      expect(codes).toContain('batch');
      const store = await openTestStore('ops-probe'); // what the server itself can do
      try {
        expect(codes.includes('transaction')).toBe(store.supportsTransactions);
        if (!store.supportsTransactions) expect(cs.rest[0].documentation).toMatch(/Transaction Bundles are not supported/);
      } finally {
        await dropTestStore(store);
      }
    } finally {
      a.child.kill('SIGTERM');
      b.child.kill('SIGTERM');
      expect(await a.exit).toBe(0);
      expect(await b.exit).toBe(0);
      await dropDatabase(url);
    }
  }, 60_000);

  it('stops with exit code 1 and a logged reason when MONGODB_URL points at nothing', async () => {
    const port = await freePort();
    const dead = await freePort();
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', join(ROOT, 'src', 'main.ts')], {
      cwd: ROOT,
      env: {
        ...process.env, PORT: String(port), LUCARNE_HOST: '127.0.0.1', LUCARNE_DATA_DIR: dataDir, LOG_LEVEL: 'info',
        MONGODB_URL: `mongodb://127.0.0.1:${dead}/x?serverSelectionTimeoutMS=500`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout!.on('data', (d) => (stdout += String(d)));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(stdout).toMatch(/start-up failed/);
    expect(stdout).not.toMatch(/"msg":"ready"/);
  }, 30_000);
});

describeMongo('MongoDB-wire server for the server-process tests', () => {
  it('is reachable', async () => {
    const store = await openTestStore('ops-ping');
    await dropTestStore(store);
  });
});
