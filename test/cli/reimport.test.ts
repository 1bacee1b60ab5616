import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bundle } from '@medplum/fhirtypes';
import { LOCAL_OPERATOR } from '../../src/fhir/rest/caller';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config/load-config';
import { generate, lucarne } from './run-command';

const TYPES = ['Patient', 'Encounter', 'ServiceRequest', 'ImagingStudy', 'DiagnosticReport', 'Observation'];

async function counts(dataDir: string): Promise<Record<string, number>> {
  const app = await createApp(loadConfig({ env: { LUCARNE_DATA_DIR: dataDir, MONGODB_URL: '' } }));
  try {
    const out: Record<string, number> = {};
    for (const type of TYPES) {
      const res = await app.handle({ method: 'GET', path: type, query: new URLSearchParams({ _summary: 'count' }), headers: {} }, LOCAL_OPERATOR);
      out[type] = (res.body as Bundle).total ?? -1;
    }
    return out;
  } finally {
    await app.close();
  }
}

describe('generated data imported twice', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lucarne-reimport-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates nothing the second time (conditional creates by default)', async () => {
    const out = join(dir, 'generated');
    const gen = generate(['--patients', '8', '--per-bundle', '4', '--out', out, '--seed', '11']);
    expect(gen.code).toBe(0);
    expect(gen.stdout).toMatch(/conditional creates/);
    const bundle = JSON.parse(readFileSync(join(out, readdirSync(out).sort()[1]), 'utf8')) as Bundle;
    expect(bundle.entry?.every((e) => e.request?.ifNoneExist?.startsWith('identifier='))).toBe(true);

    const data = join(dir, 'data');
    const first = lucarne(['import', out, '--data-dir', data]);
    expect(first.code).toBe(0);
    expect(first.stderr).not.toMatch(/error:/);
    const once = await counts(data);
    expect(once.Patient).toBe(8);
    expect(Math.min(...Object.values(once))).toBeGreaterThan(0);

    const second = lucarne(['import', out, '--data-dir', data]);
    expect(second.code).toBe(0);
    expect(second.stderr).not.toMatch(/error:/);
    expect(await counts(data)).toEqual(once);
  }, 180_000);

  it('--plain writes plain creates', () => {
    const out = join(dir, 'plain');
    expect(generate(['--patients', '2', '--out', out, '--plain']).code).toBe(0);
    const bundle = JSON.parse(readFileSync(join(out, '001-patients.json'), 'utf8')) as Bundle;
    expect(bundle.entry?.some((e) => e.request?.ifNoneExist)).toBe(false);
  }, 60_000);
});
