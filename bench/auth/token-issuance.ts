/**
 * SMART Backend Services token issuance under load. Starts Lucarne (LUCARNE_AUTH=smart, audit on, embedded
 * store, temporary folder, 127.0.0.1) in a child process, registers a confidential-asymmetric client with an
 * ES384 public key made by jose through the administration API (with an `admin` token signed, as
 * `lucarne token` does, from the server's state store), then runs `--workers` concurrent workers for
 * `--duration` seconds, each signing a fresh private_key_jwt assertion (unique jti) and POSTing
 * grant_type=client_credentials to /auth/token, one after the other. Prints tokens/s, the latency of the POST
 * and the CPU per token of the server (by thread) and of this process (signing, HTTP client).
 * With --presign N, the first N assertions are signed before the load starts (fresh and unique all the same).
 *   npx tsx bench/auth/token-issuance.ts [--workers 16] [--duration 10] [--warmup 3] [--presign 0] [--log-level info]
 *     [--node-args "--cpu-prof --cpu-prof-dir=/tmp/prof"]
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { createTokenService } from '../../src/auth/tokens/token-service';
import { loadConfig } from '../../src/config/load-config';
import { systemClock } from '../../src/kernel/clock';
import { openStateStore } from '../../src/store/state/open-state-store';
import { startServer, type ServerProcess } from '../server-process';

const { values } = parseArgs({
  options: {
    workers: { type: 'string', default: '16' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    /** Assertions signed before the load (each still used once, well within its 4 minutes), so that the client's
     *  ES384 signing does not take the shared cores from the server during the measured window; 0: sign in the loop. */
    presign: { type: 'string', default: '0' },
    'log-level': { type: 'string', default: 'info' },
    'node-args': { type: 'string', default: '' },
  },
});

const CLIENT_ID = 'bench-backend-service';
const KID = 'bench-es384';
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const percentile = (sorted: Float64Array, p: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]);

/** An `admin` access token signed with the server's key, read from its state store (what `lucarne token` does). */
async function adminToken(settings: Record<string, string>): Promise<string> {
  const config = loadConfig({ env: { ...process.env, ...settings } });
  const state = await openStateStore(config, systemClock);
  try {
    const tokens = createTokenService({ config, state, clock: systemClock });
    return (await tokens.issuer.issueAccessToken({ clientId: 'bench-operator', scopes: ['admin'] })).accessToken;
  } finally {
    await state.close();
  }
}

async function registerClient(origin: string, admin: string, publicJwk: object): Promise<void> {
  const response = await fetch(`${origin}/auth/manage/clients`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ clientId: CLIENT_ID, name: 'Benchmark backend service', type: 'asymmetric', allowedScopes: ['system/*.rs'], jwks: { keys: [publicJwk] } }),
  });
  if (response.status !== 201) throw new Error(`client registration refused: ${response.status} ${await response.text()}`);
}

function assertion(privateKey: CryptoKey, audience: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'ES384', kid: KID, typ: 'JWT' })
    .setIssuer(CLIENT_ID)
    .setSubject(CLIENT_ID)
    .setAudience(audience)
    .setJti(randomUUID())
    .setIssuedAt(now)
    .setExpirationTime(now + 240)
    .sign(privateKey);
}

interface Run {
  tokens: number;
  errors: string[];
  seconds: number;
  latencies: Float64Array;
  signMs: number;
  lastToken?: string;
}

/** `workers` closed loops of sign-then-POST; only the answers that arrive inside the measured window count. */
async function load(
  tokenUrl: string,
  audience: string,
  privateKey: CryptoKey,
  workers: number,
  warmupMs: number,
  durationMs: number,
  window: { start(): void; end(): void },
  presigned: string[],
): Promise<Run> {
  const latencies: number[] = [];
  const errors: string[] = [];
  let signMs = 0;
  let measuring = false;
  let stop = false;
  let lastToken: string | undefined;
  const worker = async () => {
    while (!stop) {
      const s0 = performance.now();
      const jwt = presigned.pop() ?? (await assertion(privateKey, audience));
      const t0 = performance.now();
      const form = new URLSearchParams({ grant_type: 'client_credentials', scope: 'system/*.rs', client_assertion_type: JWT_BEARER, client_assertion: jwt });
      const response = await fetch(tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
      const body = (await response.json()) as { access_token?: string; error?: string; error_description?: string };
      if (!measuring) continue;
      if (response.status === 200 && body.access_token) {
        latencies.push(performance.now() - t0);
        signMs += t0 - s0;
        lastToken = body.access_token;
      } else {
        errors.push(`${response.status} ${body.error}: ${body.error_description}`);
      }
    }
  };
  const running = Array.from({ length: workers }, worker);
  await new Promise((r) => setTimeout(r, warmupMs));
  measuring = true;
  window.start();
  const start = performance.now();
  await new Promise((r) => setTimeout(r, durationMs));
  measuring = false;
  window.end();
  const seconds = (performance.now() - start) / 1000;
  stop = true;
  await Promise.all(running);
  return { tokens: latencies.length, errors, seconds, latencies: Float64Array.from(latencies).sort(), signMs, lastToken };
}

/** "1,234 µs (main thread 900, other threads 300)": server CPU per token, by thread. */
function cpuPerToken(before: Map<string, number>, after: Map<string, number>, tokens: number): string {
  const used = [...after].map(([name, ms]) => [name, ms - (before.get(name) ?? 0)] as const).filter(([, ms]) => ms > 0);
  const total = used.reduce((s, [, ms]) => s + ms, 0);
  const parts = used.sort((a, b) => b[1] - a[1]).map(([name, ms]) => `${name} ${fmt((ms * 1000) / tokens)}`);
  return `${fmt((total * 1000) / tokens)} µs (${parts.join(', ')})`;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lucarne-token-bench-'));
  let server: ServerProcess | undefined;
  const load0 = loadavg();
  try {
    const dataDir = join(dir, 'data');
    server = await startServer({ LUCARNE_DATA_DIR: dataDir, LOG_LEVEL: values['log-level'], LUCARNE_AUTH: 'smart' }, false, values['node-args'].split(' ').filter(Boolean));
    const base = new URL(server.baseUrl);
    const origin = base.origin;
    const admin = await adminToken({ LUCARNE_DATA_DIR: dataDir, PORT: base.port });

    const { publicKey, privateKey } = await generateKeyPair('ES384');
    await registerClient(origin, admin, { ...(await exportJWK(publicKey)), kid: KID, alg: 'ES384', use: 'sig' });
    // The assertion's audience is the token endpoint as the server publishes it; the requests go to 127.0.0.1.
    const discovery = (await (await fetch(`${server.baseUrl}/.well-known/smart-configuration`)).json()) as { token_endpoint: string };
    const audience = discovery.token_endpoint;
    const tokenUrl = `${origin}${new URL(audience).pathname}`;

    const workers = Number(values.workers);
    const presigned = await Promise.all(Array.from({ length: Number(values.presign) }, () => assertion(privateKey, audience)));
    process.stderr.write(`Issuing tokens: ${workers} workers, ${values.warmup} s warm-up then ${values.duration} s measured...\n`);
    // CPU over the measured window only (answers in flight at its edges make a small error, the same either way).
    const cpu = { server0: new Map<string, number>(), server1: new Map<string, number>(), client0: process.cpuUsage(), client: { user: 0, system: 0 } };
    const running = server;
    const run = await load(tokenUrl, audience, privateKey, workers, Number(values.warmup) * 1000, Number(values.duration) * 1000, {
      start() {
        cpu.server0 = running.threadCpuMs();
        cpu.client0 = process.cpuUsage();
      },
      end() {
        cpu.server1 = running.threadCpuMs();
        cpu.client = process.cpuUsage(cpu.client0);
      },
    }, presigned);
    if (Number(values.presign) > 0) process.stderr.write(`${presigned.length} presigned assertions left unused\n`);
    const serverCpu = cpuPerToken(cpu.server0, cpu.server1, Math.max(1, run.tokens));
    if (run.errors.length > 0) process.stderr.write(`${run.errors.length} refused; first: ${run.errors[0]}\n`);

    // An issued token works at the FHIR API.
    const check = run.lastToken ? await fetch(`${server.baseUrl}/Patient?_count=1`, { headers: { authorization: `Bearer ${run.lastToken}` } }) : undefined;
    if (check?.status !== 200) throw new Error(`an issued token was refused by the FHIR API: ${check?.status}`);

    const rps = run.tokens / run.seconds;
    const lat = run.latencies;
    const load1 = loadavg();
    const lines = [
      `Token issuance (client_credentials, private_key_jwt ES384, ES256 access tokens) - ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), Node ${process.version}, ` +
        `embedded store, tsx, LOG_LEVEL=${values['log-level']}; load average ${load0.map((l) => l.toFixed(2)).join(' ')} at the start, ${load1.map((l) => l.toFixed(2)).join(' ')} at the end`,
      '',
      '| Measure | Result | Goal |',
      '|---|---|---|',
      `| Tokens issued | ${fmt(rps)} tokens/s (${fmt(run.tokens)} in ${fmt(run.seconds, 1)} s, ${workers} workers${Number(values.presign) > 0 ? `, ${values.presign} assertions presigned` : ''}) | >= 500 tokens/s: ${rps >= 500 ? '**met**' : '**missed**'} |`,
      `| POST /auth/token latency p50 / p90 / p99 / max | ${[0.5, 0.9, 0.99].map((p) => fmt(percentile(lat, p), 2)).join(' / ')} / ${fmt(lat[lat.length - 1] ?? NaN, 2)} ms | |`,
      `| Refused | ${run.errors.length} | 0 |`,
      `| Server CPU per token | ${serverCpu} | |`,
      `| Client CPU per token (this process: getting the assertion ${fmt((run.signMs * 1000) / Math.max(1, run.tokens))} µs wall, HTTP) | ${fmt((cpu.client.user + cpu.client.system) / Math.max(1, run.tokens))} µs | |`,
      `| Server peak RSS (VmHWM) | ${fmt(server.peakRssMiB())} MiB | |`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    const code = await server?.stop();
    if (code !== undefined && code !== 0) process.stderr.write(`server exited with ${code}\n`);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
