import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Patient } from '@medplum/fhirtypes';
import { FhirError } from '../../kernel/errors';
import { describeEmbeddedStoreContract } from './embedded-store.contract';
import { openEmbeddedStoreWithWriterThread, type EmbeddedStore } from './embedded-store';
import { nullSearchIndex } from './null-search-index';

describeEmbeddedStoreContract('embedded, writer thread (null search index)', () => nullSearchIndex, { kind: 'none' });

describe('writer thread', () => {
  let dir: string;
  let store: EmbeddedStore | undefined;
  const patient = (id: string, extra: Partial<Patient> = {}): Patient & { id: string } => ({ resourceType: 'Patient', id, ...extra });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lucarne-thread-'));
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes FHIR errors back with their status and issues', async () => {
    store = await openEmbeddedStoreWithWriterThread({ dataDir: dir, index: nullSearchIndex }, { kind: 'none' });
    await store.create(patient('a'));
    const conflict = await store.create(patient('a')).catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(FhirError);
    expect((conflict as FhirError).status).toBe(409);
    const stale = await store.update(patient('a'), { ifMatch: 'W/"7"' }).catch((e: unknown) => e);
    expect((stale as FhirError).status).toBe(412);
    expect((stale as FhirError).issues[0].diagnostics).toMatch(/version 1, not 7/);
  });

  it('sends the calls of one transaction without waiting for each answer, and keeps their order', async () => {
    store = await openEmbeddedStoreWithWriterThread({ dataDir: dir, index: nullSearchIndex }, { kind: 'none' });
    const records = await store.transaction((tx) =>
      Promise.all(Array.from({ length: 50 }, (_, i) => tx.update(patient('same', { birthDate: `19${String(i).padStart(2, '0')}` })))),
    );
    expect(records.map((r) => r.record.versionId)).toEqual(Array.from({ length: 50 }, (_, i) => String(i + 1)));
    const current = await store.read('Patient', 'same');
    expect((current?.resource as Patient).birthDate).toBe('1949');
    expect(JSON.parse(current!.json!)).toEqual(current!.resource);
  });

  it('runs concurrent writes one after the other, each acknowledged once committed', async () => {
    store = await openEmbeddedStoreWithWriterThread({ dataDir: dir, index: nullSearchIndex }, { kind: 'none' });
    const s = store;
    await Promise.all(Array.from({ length: 20 }, (_, i) => s.create(patient(`p${i}`))));
    expect(s.commitStats.commits).toBe(20);
    for (let i = 0; i < 20; i++) expect(await s.read('Patient', `p${i}`)).toBeDefined();
  });

  it('refuses to start on a database it cannot open, with the reason', async () => {
    const bad = join(dir, 'file');
    writeFileSync(bad, 'not a folder');
    await expect(openEmbeddedStoreWithWriterThread({ dataDir: join(bad, 'data'), index: nullSearchIndex }, { kind: 'none' })).rejects.toThrow(
      /ENOTDIR|not a directory/,
    );
  });

  it('fails calls with a clear error once the thread is gone, and reads still work', async () => {
    store = await openEmbeddedStoreWithWriterThread({ dataDir: dir, index: nullSearchIndex }, { kind: 'none' });
    await store.create(patient('before'));
    await (store as unknown as { writer: { worker: { terminate(): Promise<number> } } }).writer.worker.terminate();
    await expect(store.create(patient('after'))).rejects.toThrow(/writer thread stopped/);
    await expect(store.ready()).rejects.toThrow(/writer thread stopped/);
    expect(await store.read('Patient', 'before')).toBeDefined();
    store = undefined;
  });
});
