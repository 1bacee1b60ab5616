import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL_OPERATOR } from '../../src/fhir/rest/caller';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config/load-config';
import { Dataset } from '../../bench/generate/dataset';

const ROOT = join(__dirname, '..', '..');

function lucarne(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [join(ROOT, 'bin', 'lucarne.js'), ...args], {
    cwd: ROOT,
    // These cases import into an embedded --data-dir: a MONGODB_URL set for the MongoDB suites must not leak in.
    env: { ...process.env, MONGODB_URL: '', LUCARNE_FROM_SOURCE: '1', LOG_LEVEL: 'warn', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

async function read(dataDir: string, path: string) {
  const app = await createApp(loadConfig({ env: { LUCARNE_DATA_DIR: dataDir } }));
  try {
    return await app.handle({ method: 'GET', path, query: new URLSearchParams(), headers: {} }, LOCAL_OPERATOR);
  } finally {
    await app.close();
  }
}

describe('lucarne import', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lucarne-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('loads a folder of transaction Bundles into the data folder and prints a summary', async () => {
    const dataset = new Dataset({ patients: 6, patientsPerBundle: 3 });
    const input = join(dir, 'bundles');
    mkdirSync(input);
    writeFileSync(join(input, '0-reference.json'), JSON.stringify(dataset.referenceBundle()));
    let expected = dataset.referenceBundle().entry!.length;
    [...dataset.patientBundles()].forEach((b, i) => {
      writeFileSync(join(input, `${i + 1}-patients.json`), JSON.stringify(b));
      expected += b.entry!.length;
    });

    const run = lucarne(['import', input, '--data-dir', join(dir, 'data')]);
    expect(run.stderr).not.toMatch(/error:/);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^Imported ${expected} resources from 3 file\\(s\\) in [\\d.]+ s \\(\\d+ resources/s\\); 0 error\\(s\\)`));

    const endpoint = await read(join(dir, 'data'), 'Endpoint/pacs-1');
    expect(endpoint.status).toBe(200);
    const studies = await read(join(dir, 'data'), 'ImagingStudy/_history');
    expect(studies.status).toBe(200);
    expect((studies.body as { total?: number }).total).toBeGreaterThan(0);
  }, 60_000);

  it('loads NDJSON line by line, names each failing line with its OperationOutcome message and exits 1', async () => {
    const file = join(dir, 'patients.ndjson');
    writeFileSync(
      file,
      [
        JSON.stringify({ resourceType: 'Patient', id: 'p1', name: [{ family: 'Étienne' }] }),
        '',
        '{ not json',
        JSON.stringify({ resourceType: 'Patient', id: 'p2', gender: 'sometimes' }),
        JSON.stringify({ resourceType: 'Patient', id: 'p3', birthDate: '1980-02-30' }),
        JSON.stringify({ resourceType: 'Observation', status: 'final', code: { text: 'Poids' } }),
      ].join('\n') + '\n',
    );
    const run = lucarne(['import', file, '--data-dir', join(dir, 'data'), '--batch-size', '10']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^Imported 2 resources from 1 file\(s\) .*; 3 error\(s\)/);
    expect(run.stderr).toContain(`${file}:3: not valid JSON`);
    expect(run.stderr).toMatch(new RegExp(`${file}:4 \\(Patient/p2\\): HTTP 4\\d\\d .*sometimes`));
    expect(run.stderr).toMatch(new RegExp(`${file}:5 \\(Patient/p3\\): HTTP 4\\d\\d .*birthDate`));

    expect((await read(join(dir, 'data'), 'Patient/p1')).status).toBe(200);
    expect((await read(join(dir, 'data'), 'Patient/p2')).status).toBe(404);
  }, 60_000);

  it('rejects a failing transaction as a whole, naming the file and the reason', async () => {
    const file = join(dir, 'bad-transaction.json');
    writeFileSync(
      file,
      JSON.stringify({
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { fullUrl: 'urn:uuid:8c2a4e2e-0c5b-4d84-9a57-0b0d0e1b0c01', resource: { resourceType: 'Patient', id: 'x' }, request: { method: 'PUT', url: 'Patient/ok-1' } },
          { resource: { resourceType: 'Patient', gender: 'robot' }, request: { method: 'POST', url: 'Patient' } },
        ],
      }),
    );
    const run = lucarne(['import', file, '--data-dir', join(dir, 'data')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`error: ${file}: transaction refused \\(HTTP 4\\d\\d\\): .+`));
    expect((await read(join(dir, 'data'), 'Patient/ok-1')).status).toBe(404);
  }, 60_000);

  it('keeps decimals exactly as written and refuses duplicate keys, from NDJSON and Bundle files', async () => {
    const observation = (id: string) =>
      `{"resourceType":"Observation","id":"${id}","status":"final","code":{"text":"dose"},"valueQuantity":{"value":12.80,"unit":"mGy"},` +
      `"component":[{"code":{"text":"a"},"valueQuantity":{"value":0.10000000000000000000000001}},{"code":{"text":"b"},"valueQuantity":{"value":1e-400}}]}`;
    writeFileSync(join(dir, 'doses.ndjson'), `${observation('o1')}\n{"resourceType":"Patient","id":"d1","gender":"male","gender":"female"}\n`);
    writeFileSync(join(dir, 'dose.json'), observation('o2'));
    const run = lucarne(['import', join(dir, 'doses.ndjson'), join(dir, 'dose.json'), '--data-dir', join(dir, 'data')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/doses\.ndjson:2: not valid JSON: Duplicate JSON key 'gender'/);
    for (const id of ['o1', 'o2']) {
      const text = (await read(join(dir, 'data'), `Observation/${id}`)).rawBody ?? '';
      expect(text).toContain('"value":12.80,');
      expect(text).toContain('"value":0.10000000000000000000000001}');
      expect(text).toContain('"value":1e-400}');
    }
    expect((await read(join(dir, 'data'), 'Patient/d1')).status).toBe(404);
  }, 60_000);

  it('explains bad usage with exit code 2', () => {
    const missing = lucarne(['import', join(dir, 'nope.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/ENOENT.*nope\.json/);
    const unknown = lucarne(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "frobnicate"/);
    expect(lucarne(['help']).stdout).toMatch(/lucarne <command>/);
  });
});
