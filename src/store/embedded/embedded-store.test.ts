import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Patient } from '@medplum/fhirtypes';
import { describeEmbeddedStoreContract } from './embedded-store.contract';
import { databaseFileName, openEmbeddedStore, type EmbeddedStore } from './embedded-store';
import { nullSearchIndex } from './null-search-index';
import type { EmbeddedSearchIndex } from './search-index';

describeEmbeddedStoreContract('embedded (null search index)', () => nullSearchIndex);

describe('embedded store specifics', () => {
  let dir: string;
  const stores: EmbeddedStore[] = [];
  const open = (index: EmbeddedSearchIndex = nullSearchIndex) => {
    const store = openEmbeddedStore({ dataDir: join(dir, 'nested', 'data'), index });
    stores.push(store);
    return store;
  };
  const patient = (id: string, extra: Partial<Patient> = {}): Patient & { id: string } => ({ resourceType: 'Patient', id, ...extra });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lucarne-embedded-'));
  });
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates its folder, keeps data across reopen and migrates idempotently', async () => {
    const first = open();
    await first.create(patient('a'));
    await first.update(patient('a', { active: true }));
    await first.close();
    expect(existsSync(join(dir, 'nested', 'data', databaseFileName))).toBe(true);
    const second = open();
    expect((await second.read('Patient', 'a'))?.versionId).toBe('2');
    expect((await second.update(patient('a'))).record.versionId).toBe('3');
  });

  it('puts the database in WAL mode', () => {
    const store = open();
    const db = new Database(store.file, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      db.close();
    }
  });

  it('calls the index in the same transaction: an index failure undoes the resource write', async () => {
    const written: number[] = [];
    const removed: number[] = [];
    let failNext = false;
    const index: EmbeddedSearchIndex = {
      ...nullSearchIndex,
      write: (_db, rid) => {
        if (failNext) throw new Error('index failure');
        written.push(rid);
      },
      remove: (_db, rid) => void removed.push(rid),
    };
    const store = open(index);
    await store.create(patient('a'));
    await store.delete('Patient', 'a');
    expect(written).toHaveLength(1);
    expect(removed).toEqual(written);
    failNext = true;
    await expect(store.update(patient('a', { active: true }))).rejects.toThrow('index failure');
    expect((await store.read('Patient', 'a'))?.versionId).toBe('2');
    expect((await store.history({ count: 10, offset: 0 })).total).toBe(2);
  });

  it('turns a write to the store inside its own transaction into an error instead of a deadlock', async () => {
    const store = open();
    await expect(store.transaction(async () => store.create(patient('x')))).rejects.toThrow(/tx view/);
    expect(await store.read('Patient', 'x')).toBeUndefined();
  });

  it('rejects writes after close, and close twice is harmless', async () => {
    const store = open();
    await store.close();
    await store.close();
    await expect(store.create(patient('a'))).rejects.toThrow(/closed/);
  });

  it('runs concurrent writes one at a time, acknowledges each only once committed, and undoes a failing one alone', async () => {
    const store = open();
    const reader = () => new Database(store.file, { readonly: true });
    let seenAtAck: number | undefined;
    const writes = [
      store.transaction(async (tx) => {
        await tx.create(patient('first-bad'));
        throw new Error('first failed');
      }),
      store.transaction(async (tx) => {
        await tx.create(patient('g1'));
        await tx.create(patient('g2'));
      }),
      store.transaction(async (tx) => {
        await tx.create(patient('bad'));
        throw new Error('entry failed');
      }),
      store.create(patient('g3')).then(() => {
        // Acknowledged: visible to another connection, so committed (not just written in an open transaction).
        const db = reader();
        try {
          seenAtAck = (db.prepare("SELECT count(*) AS n FROM resources WHERE id IN ('g1', 'g2', 'g3')").get() as { n: number }).n;
        } finally {
          db.close();
        }
      }),
      store.transaction(async (tx) => tx.create(patient('g4'))),
    ];
    const outcomes = await Promise.allSettled(writes);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(seenAtAck).toBe(3);
    expect(await store.read('Patient', 'first-bad')).toBeUndefined();
    expect(await store.read('Patient', 'bad')).toBeUndefined();
    for (const id of ['g1', 'g2', 'g3', 'g4']) expect(await store.read('Patient', id)).toBeDefined();
    // One COMMIT per successful write (the failed ones rolled back).
    expect(store.commitStats.commits).toBe(3);
  });

  it('a lone write is committed without waiting for another one', async () => {
    const store = open();
    await store.create(patient('alone'));
    const db = new Database(store.file, { readonly: true });
    try {
      expect(db.prepare("SELECT count(*) AS n FROM resources WHERE id = 'alone'").get()).toEqual({ n: 1 });
    } finally {
      db.close();
    }
  });

  it('never commits a write that failed half-way, even when the transaction catches its error', async () => {
    let fail = false;
    const index: EmbeddedSearchIndex = {
      ...nullSearchIndex,
      write: () => {
        if (fail) throw new Error('index failure');
      },
    };
    const store = open(index);
    const caught = store.transaction(async (tx) => {
      await tx.create(patient('kept'));
      fail = true;
      await tx.create(patient('half')).catch(() => undefined);
      fail = false;
      await tx.create(patient('after'));
    });
    await expect(caught).rejects.toThrow('index failure');
    for (const id of ['kept', 'half', 'after']) expect(await store.read('Patient', id)).toBeUndefined();
    // A failure before any change (a conflict) is clean: the transaction goes on.
    await store.create(patient('exists'));
    await store.transaction(async (tx) => {
      await expect(tx.create(patient('exists'))).rejects.toThrow(/already exists/);
      await tx.create(patient('next'));
    });
    expect(await store.read('Patient', 'next')).toBeDefined();
  });
});
