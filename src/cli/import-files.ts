import { createReadStream, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { Bundle, BundleEntry, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { MAX_JSON_DEPTH, readJson } from '../kernel/json/read-json';
import type { ImportTarget, SubmitResult } from './import-target';
import type { ProgressReporter, ProgressState } from './progress';

export interface ImportOptions {
  /** NDJSON resources per Bundle. */
  batchSize: number;
}

export interface ImportSummary {
  files: number;
  resources: number;
  errors: number;
  seconds: number;
}

const NDJSON = /\.(ndjson|jsonl)(\.gz)?$/;
const JSON_FILE = /\.json$/;

/** The files to import, in name order: the given files, and the *.json / *.ndjson files under given folders. */
export function collectFiles(paths: string[]): string[] {
  const files: string[] = [];
  for (const path of paths) {
    const stat = statSync(path); // throws ENOENT with the path: reported as a usage error
    if (!stat.isDirectory()) {
      files.push(path);
      continue;
    }
    for (const name of readdirSync(path).sort()) {
      if (name.startsWith('.')) continue;
      const child = join(path, name);
      if (statSync(child).isDirectory()) files.push(...collectFiles([child]));
      else if (NDJSON.test(name) || JSON_FILE.test(name)) files.push(child);
    }
  }
  return files;
}

/**
 * Loads Bundle files (transaction or batch, submitted as they are) and NDJSON files (one resource per line,
 * submitted in transactions of `batchSize`; a chunk that fails is replayed as a batch so that every valid
 * line is loaded and every invalid one reported with its line number).
 */
export async function importFiles(
  files: string[],
  target: ImportTarget,
  options: ImportOptions,
  progress: ProgressReporter,
): Promise<ImportSummary> {
  const state: ProgressState = {
    doneBytes: 0,
    totalBytes: files.reduce((n, f) => n + statSync(f).size, 0),
    resources: 0,
    errors: 0,
    startedAt: Date.now(),
  };
  const fail = (where: string, message: string) => {
    state.errors++;
    progress.log(`error: ${where}: ${message}`);
  };

  for (const file of files) {
    state.current = file;
    const before = state.doneBytes;
    if (NDJSON.test(file)) await importNdjson(file, target, options, state, fail, progress);
    else await importBundleFile(file, target, state, fail);
    state.doneBytes = before + statSync(file).size;
    progress.update(state);
  }
  progress.finish();
  return { files: files.length, resources: state.resources, errors: state.errors, seconds: (Date.now() - state.startedAt) / 1000 };
}

type Fail = (where: string, message: string) => void;

/** As the server reads bodies: duplicate keys and bad strings refused, numbers kept as written. */
const STRICT = { strict: true, maxDepth: MAX_JSON_DEPTH };

async function importBundleFile(file: string, target: ImportTarget, state: ProgressState, fail: Fail): Promise<void> {
  let parsed: unknown;
  try {
    parsed = readJson(await readFile(file, 'utf8'), STRICT);
  } catch (e) {
    return fail(file, `not valid JSON: ${(e as Error).message}`);
  }
  const resource = parsed as Resource | null;
  if (!resource || typeof resource !== 'object' || typeof resource.resourceType !== 'string') {
    return fail(file, 'not a FHIR resource (no resourceType)');
  }
  let bundle: Bundle;
  if (resource.resourceType === 'Bundle' && (resource.type === 'transaction' || resource.type === 'batch')) {
    bundle = resource;
  } else if (resource.resourceType === 'Bundle') {
    return fail(file, `a Bundle of type "${resource.type}" cannot be imported; use a transaction or batch Bundle`);
  } else {
    bundle = { resourceType: 'Bundle', type: 'batch', entry: [entryFor(resource)] };
  }
  const labels = (bundle.entry ?? []).map((e, i) => `${file}: entry ${i}${describeEntry(e)}`);
  account(await target.submit(bundle), bundle, labels, file, state, fail);
}

async function importNdjson(
  file: string,
  target: ImportTarget,
  options: ImportOptions,
  state: ProgressState,
  fail: Fail,
  progress: ProgressReporter,
): Promise<void> {
  const input = createReadStream(file);
  const lines = createInterface({ input: file.endsWith('.gz') ? input.pipe(createGunzip()) : input, crlfDelay: Infinity });
  let chunk: { line: number; entry: BundleEntry }[] = [];
  let lineNumber = 0;
  const base = state.doneBytes;

  const flush = async () => {
    if (chunk.length === 0) return;
    const current = chunk;
    chunk = [];
    const bundle: Bundle = { resourceType: 'Bundle', type: 'transaction', entry: current.map((c) => c.entry) };
    const labels = current.map((c) => `${file}:${c.line}${describeEntry(c.entry)}`);
    const result = await target.submit(bundle);
    if (result.status < 400) {
      account(result, bundle, labels, file, state, fail);
    } else {
      // Rolled back as a whole: replay entry by entry (as a batch) to load the good lines and name the bad ones.
      const batch: Bundle = { ...bundle, type: 'batch' };
      account(await target.submit(batch), batch, labels, file, state, fail);
    }
    state.doneBytes = Math.min(base + input.bytesRead, state.totalBytes);
    progress.update(state);
  };

  for await (const text of lines) {
    lineNumber++;
    if (text.trim() === '') continue;
    let resource: Resource;
    try {
      resource = readJson(text, STRICT) as Resource;
    } catch (e) {
      fail(`${file}:${lineNumber}`, `not valid JSON: ${(e as Error).message}`);
      continue;
    }
    if (!resource || typeof resource !== 'object' || Array.isArray(resource) || typeof resource.resourceType !== 'string') {
      fail(`${file}:${lineNumber}`, 'not a FHIR resource (no resourceType)');
      continue;
    }
    chunk.push({ line: lineNumber, entry: entryFor(resource) });
    if (chunk.length >= options.batchSize) await flush();
  }
  await flush();
}

/** A resource with an id keeps it (PUT: references between files stay valid); one without gets a new id. */
function entryFor(resource: Resource): BundleEntry {
  return resource.id
    ? { resource, request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` } }
    : { resource, request: { method: 'POST', url: resource.resourceType } };
}

function describeEntry(entry: BundleEntry): string {
  const r = entry.resource;
  return r ? ` (${r.resourceType}${r.id ? `/${r.id}` : ''})` : '';
}

function account(result: SubmitResult, sent: Bundle, labels: string[], file: string, state: ProgressState, fail: Fail): void {
  const entries = sent.entry ?? [];
  if (result.status >= 400 || result.body?.resourceType !== 'Bundle') {
    fail(file, `${sent.type} refused (HTTP ${result.status}): ${outcomeMessage(result.body)}`);
    return;
  }
  if (sent.type === 'transaction') {
    state.resources += entries.length;
    return;
  }
  (result.body.entry ?? []).forEach((entry, i) => {
    const status = entry.response?.status ?? '';
    if (/^2/.test(status)) state.resources++;
    else fail(labels[i] ?? `${file}: entry ${i}`, `HTTP ${status}: ${outcomeMessage(entry.response?.outcome)}`);
  });
}

export function outcomeMessage(body: unknown): string {
  const outcome = body as OperationOutcome | undefined;
  if (outcome?.resourceType !== 'OperationOutcome') return 'no OperationOutcome in the response';
  const parts = (outcome.issue ?? []).map((i) => {
    const text = i.diagnostics ?? i.details?.text ?? i.code;
    return i.expression?.length ? `${text} [${i.expression.join(', ')}]` : text;
  });
  return parts.join('; ') || 'unknown error';
}
