/**
 * Memory of large writes: the server's peak RSS growth (VmHWM, reset before each request through
 * /proc/<pid>/clear_refs) while it answers one large create and one large transaction, against the body size.
 * Each case runs on its own server process (bench/server-process.ts) and fresh embedded store. Linux only.
 * Run: npx tsx bench/memory/large-writes.ts [createMB=13] [transactionEntries=50000]
 * (the largest accepted by default: about 1 MB and 10,000 entries; larger ones show the cost of refusing them)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type ServerProcess } from '../server-process';

const createMB = Number(process.argv[2] ?? 13);
const entries = Number(process.argv[3] ?? 50_000);

/** An Observation of `mb` megabytes made of components with decimal quantities: element-heavy, like the probe's. */
function bigObservation(mb: number): string {
  const component = (i: number) =>
    `{"code":{"coding":[{"system":"http://loinc.org","code":"8867-4","display":"Heart rate ${i}"}]},"valueQuantity":{"value":${60 + (i % 40)}.50,"unit":"/min","system":"http://unitsofmeasure.org","code":"/min"}}`;
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < mb * 1024 * 1024; i++) {
    const c = component(i);
    parts.push(c);
    size += c.length + 1;
  }
  return `{"resourceType":"Observation","status":"final","code":{"text":"vitals"},"component":[${parts.join(',')}]}`;
}

function transaction(n: number): string {
  const entry = (i: number) =>
    `{"fullUrl":"urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}","resource":{"resourceType":"Patient","identifier":[{"system":"urn:x","value":"p${i}"}],"name":[{"family":"Family${i}","given":["Given"]}],"gender":"female","birthDate":"1970-01-01"},"request":{"method":"POST","url":"Patient"}}`;
  return `{"resourceType":"Bundle","type":"transaction","entry":[${Array.from({ length: n }, (_, i) => entry(i)).join(',')}]}`;
}

async function post(server: ServerProcess, path: string, body: string): Promise<Response> {
  return fetch(`${server.baseUrl}/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/fhir+json', prefer: 'return=minimal' },
    body,
  });
}

/** `warmUp`, a small request of the same kind, is sent first: the growth measured is the request's, not the process's first-use caches. */
async function measure(server: ServerProcess, label: string, path: string, body: string, warmUp: string): Promise<void> {
  await (await post(server, path, warmUp)).arrayBuffer();
  await new Promise((r) => setTimeout(r, 500));
  const before = server.rssMiB();
  writeFileSync(`/proc/${server.pid}/clear_refs`, '5');
  const t0 = Date.now();
  const res = await post(server, path, body);
  const answer = await res.text();
  const ms = Date.now() - t0;
  const peak = server.peakRssMiB();
  const bodyMiB = Buffer.byteLength(body) / 1024 / 1024;
  console.log(
    `${label.padEnd(28)} body ${bodyMiB.toFixed(1).padStart(5)} MiB  status ${res.status}  ${String(ms).padStart(6)} ms  ` +
      `RSS ${before.toFixed(0)} -> peak ${peak.toFixed(0)} MiB (+${(peak - before).toFixed(0)}, ${((peak - before) / bodyMiB).toFixed(1)}x body)` +
      (res.status >= 400 ? `  ${(JSON.parse(answer) as { issue?: { diagnostics?: string }[] }).issue?.[0]?.diagnostics?.slice(0, 120) ?? ''}` : ''),
  );
}

/** Each case on a fresh server, so that one case's heap does not hide the next one's growth. */
async function onFreshServer(run: (server: ServerProcess) => Promise<void>): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lucarne-mem-'));
  const server = await startServer({
    LUCARNE_DATA_DIR: dataDir, LOG_LEVEL: 'warn', LUCARNE_MAX_BODY_BYTES: String(64 * 1024 * 1024),
  }, false, (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean));
  try {
    await run(server);
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  await onFreshServer((s) => measure(s, `create (${createMB} MB Observation)`, 'Observation', bigObservation(createMB), bigObservation(0.05)));
  await onFreshServer((s) => measure(s, `transaction (${entries} entries)`, '', transaction(entries), transaction(50)));
  // The same again after one of its size: the store's page cache (64 MiB for the writer) is then already
  // grown, so what remains is the request's own memory.
  await onFreshServer((s) => measure(s, `transaction (${entries}), 2nd`, '', transaction(entries), transaction(entries)));
}

void main();
