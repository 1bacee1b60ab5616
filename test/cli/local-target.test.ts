import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bundle } from '@medplum/fhirtypes';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config/load-config';
import { localTarget } from '../../src/cli/import-target';

it('leaves the submitted Bundle as it was (the engine rewrites references of what it plans in place)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lucarne-local-target-'));
  const app = await createApp(loadConfig({ env: { LUCARNE_DATA_DIR: dir } }));
  try {
    const patient = 'urn:uuid:6f1c1d7e-0000-4000-8000-000000000001';
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: patient, resource: { resourceType: 'Patient', name: [{ family: 'Local' }] }, request: { method: 'POST', url: 'Patient' } },
        {
          resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: patient } },
          request: { method: 'POST', url: 'Observation' },
        },
      ],
    };
    const before = structuredClone(bundle);
    const result = await localTarget(app).submit(bundle);
    expect(result.status).toBe(200);
    expect(bundle).toEqual(before);
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
