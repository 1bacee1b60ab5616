import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import request from 'supertest';
import type { Patient } from '@medplum/fhirtypes';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config/load-config';
import { loadDefinitions } from '../../src/fhir/conformance/definitions';
import { createHttpApp } from '../../src/http/create-http-app';
import { createLogger } from '../../src/kernel/logger';
import { openEmbeddedStore } from '../../src/store/embedded/embedded-store';
import { createEmbeddedSearchIndex } from '../../src/store/embedded/search/embedded-search-index';

/** Patients stored before the INS rule existed get their claims at start-up, once; duplicates are reported. */
const NIR = 'urn:oid:1.2.250.1.213.1.4.8';
const INS = '255081416802538';
const BASE = 'http://127.0.0.1/fhir';
const withIns = (id: string, value: string, extra: Partial<Patient> = {}): Patient & { id: string } =>
  ({ resourceType: 'Patient', id, identifier: [{ system: NIR, value }], ...extra });

let dataDir: string;
beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'lucarne-backfill-'));
  // Written straight to the store, as before the rule: no check, no claims.
  const store = openEmbeddedStore({ dataDir, index: createEmbeddedSearchIndex(loadDefinitions(), { baseUrl: BASE }), durability: 'normal' });
  await store.create(withIns('a', INS));
  await store.create(withIns('b', INS));
  await store.create(withIns('c', INS, { link: [{ type: 'replaces', other: { reference: 'Patient/a' } }] }));
  await store.create(withIns('d', '255081416802539'));
  await store.close();
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function start() {
  const chunks: string[] = [];
  const logger = createLogger({ level: 'info', destination: new Writable({ write(c, _e, cb) { chunks.push(String(c)); cb(); } }) });
  const config = loadConfig({ env: { LUCARNE_DATA_DIR: dataDir, LUCARNE_BASE_URL: BASE, LOG_LEVEL: 'info', LUCARNE_AUTH: 'open' } });
  const app = await createApp(config, { logger, durability: 'normal' });
  const lines = () => chunks.join('').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  return { app, http: request(createHttpApp(app.ctx, app.router)), lines, text: () => chunks.join('') };
}

it('claims the INS of older Patients at start-up, reports duplicates and bad keys by reference, and only once', async () => {
  const first = await start();
  try {
    const lines = first.lines();
    expect(lines.find((l) => l.msg === 'claims backfilled for resources stored before the rule')).toMatchObject({ resources: 4, duplicates: 1, invalid: 1 });
    expect(lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('stored records share'))).toMatchObject({ resource: 'Patient/b', holder: 'Patient/a' });
    expect(lines.find((l) => l.msg === 'a stored resource breaks a write rule')).toMatchObject({ resource: 'Patient/d' });
    expect(first.text()).not.toContain(INS);

    const res = await first.http.post('/fhir/Patient').set('Content-Type', 'application/fhir+json')
      .send(JSON.stringify({ resourceType: 'Patient', identifier: [{ system: NIR, value: INS }] }));
    expect(res.status).toBe(409);
    expect(JSON.stringify(res.body)).toContain('Patient/a');
  } finally {
    await first.app.close();
  }
  const again = await start();
  try {
    expect(again.lines().some((l) => l.msg === 'claims backfilled for resources stored before the rule')).toBe(false);
  } finally {
    await again.app.close();
  }
});
