import type { AuditEvent, AuditEventAgent } from '@medplum/fhirtypes';
import { AuditMover } from '../../src/audit/audit-mover';
import { chainMarkOf } from '../../src/audit/chain';
import { GroupCommitSink } from '../../src/audit/group-commit-sink';
import type { AuditJournal } from '../../src/audit/journal';
import { Lease } from '../../src/audit/lease';
import { SqliteJournal } from '../../src/audit/sqlite-journal';
import { verifyChain } from '../../src/audit/verify-chain';
import type { AuditRecord } from '../../src/kernel/audit-sink';
import { monotonicClock, type Clock } from '../../src/kernel/clock';
import { silentLogger } from '../../src/kernel/logger';
import { MemoryStateStore } from '../../src/store/state/memory-state-store';
import type { FhirStore } from '../../src/store/store';
import { BASE_URL, openTestStore, readRecord, tempDir, trailOn } from './audit-fixtures';

async function allEvents(store: FhirStore): Promise<AuditEvent[]> {
  const page = await store.search({ resourceTypes: ['AuditEvent'], filters: [], sort: [{ code: '_lastUpdated', descending: false }], count: 1000, offset: 0, total: 'none' });
  return page.entries.map((e) => e.resource as AuditEvent);
}

const typeCodes = (a: AuditEventAgent) => a.type?.coding?.map((c) => c.code);
const agentOf = (e: AuditEvent, code: string) => e.agent.find((a) => typeCodes(a)?.includes(code));

let tmp: ReturnType<typeof tempDir>;
let store: FhirStore;
beforeEach(() => {
  tmp = tempDir();
  store = openTestStore(tmp.dir);
});
afterEach(async () => {
  await store.close();
  tmp.remove();
});

describe('the BALP AuditEvents of recorded events', () => {
  it('turns a patient read by a signed-in user into a BALP PatientRead event with its agents, entities and purpose of use', async () => {
    const trail = await trailOn(tmp.dir, store);
    const record: AuditRecord = {
      kind: 'rest', event: 'read', action: 'R', status: 200, recorded: '2026-12-01T10:00:00.000Z', requestId: 'req-1',
      remoteAddress: '10.1.2.3', clientId: 'viewer-app', tokenId: 'jti-42', subject: 'local:alice', fhirUser: 'Practitioner/pr1',
      launchedBy: 'ehr-1', purposeOfUse: ['TREAT'], breakTheGlassReason: 'patient unconscious in the emergency room',
      entities: ['Patient/p1/_history/2'], patients: ['Patient/p1'],
    };
    await trail.sink.record(record);
    expect(await trail.moveNow()).toBe(1);
    const [event] = await allEvents(store);
    expect(event.type).toEqual({ system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'Restful Operation' });
    expect(event.subtype).toEqual([{ system: 'http://hl7.org/fhir/restful-interaction', code: 'read' }]);
    expect([event.action, event.recorded, event.outcome]).toEqual(['R', '2026-12-01T10:00:00.000Z', '0']);
    expect(event.meta?.profile).toEqual(expect.arrayContaining(['https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PatientRead']));
    // Read: data flows from the server, so the client is the destination (110152) and the server the source (110153).
    const client = agentOf(event, '110152')!;
    expect(client.who?.identifier?.value).toBe('viewer-app');
    expect(client.network).toEqual({ address: '10.1.2.3', type: '2' });
    expect(agentOf(event, '110153')!.who?.identifier?.value).toBe(BASE_URL);
    const user = agentOf(event, 'UserOauthAgent')!;
    expect([user.requestor, user.who?.reference, user.who?.identifier?.value, user.policy]).toEqual([true, 'Practitioner/pr1', 'local:alice', ['urn:ietf:params:oauth:jti:jti-42']]);
    expect(agentOf(event, '110150')!.who?.identifier?.value).toBe('ehr-1');
    expect(event.source.observer.identifier?.value).toBe(BASE_URL);
    expect(event.purposeOfEvent?.map((p) => p.coding?.[0]?.code)).toEqual(['TREAT', 'ETREAT']);
    const byType = (code: string) => event.entity?.filter((e) => e.type?.code === code) ?? [];
    const [transaction] = byType('XrequestId');
    expect(transaction.what?.identifier?.value).toBe('req-1');
    expect(transaction.detail).toEqual([{ type: 'break-the-glass-reason', valueString: 'patient unconscious in the emergency room' }]);
    expect(byType('1').map((e) => [e.what?.reference, e.role?.code])).toEqual([['Patient/p1', '1']]);
    expect(byType('2').map((e) => [e.what?.reference, e.role?.code])).toEqual([['Patient/p1/_history/2', '4']]);
    await trail.stop();
  });

  it('shapes a search as a Query with the raw query in base64, and refusals and server events by their codes', async () => {
    const trail = await trailOn(tmp.dir, store);
    await Promise.all([
      trail.sink.record(readRecord(1, { event: 'search-type', action: 'E', query: 'subject=Patient/p1&code=1234', entities: [] })),
      trail.sink.record(readRecord(2, { event: 'delete', action: 'D', status: 403, outcomeDescription: 'scope missing' })),
      trail.sink.record({ kind: 'sign-in', event: 'sign-in-failed', action: 'E', status: 401, recorded: '2026-12-01T10:00:05.000Z', requestId: 'r3', subject: 'local:bob' }),
      trail.sink.record({ kind: 'token', event: 'token-issued', action: 'E', status: 200, recorded: '2026-12-01T10:00:06.000Z', requestId: 'r4', clientId: 'backend' }),
    ]);
    expect(await trail.moveNow()).toBe(4);
    const events = await allEvents(store);
    const [query, del, signIn, token] = ['search-type', 'delete', 'sign-in-failed', 'token-issued'].map((code) => events.find((e) => e.subtype?.some((s) => s.code === code))!);
    expect(query.entity?.find((e) => e.role?.code === '24')?.query).toBe(Buffer.from('subject=Patient/p1&code=1234').toString('base64'));
    expect(query.meta?.profile).toContain('https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PatientQuery');
    expect([del.action, del.outcome, del.outcomeDesc]).toEqual(['D', '4', 'scope missing']);
    expect(del.agent.map(typeCodes).flat()).toEqual(expect.arrayContaining(['custodian']));
    expect([signIn.type.code, signIn.subtype?.[0]?.code, signIn.outcome]).toEqual(['110114', '110122', '4']);
    expect(agentOf(signIn, 'IRCP')?.who?.identifier?.value).toBe('local:bob');
    expect([token.type.code, agentOf(token, '110150')?.who?.identifier?.value]).toEqual(['110113', 'backend']);
    await trail.stop();
  });
});

describe('the durable journal', () => {
  it('writes concurrent records in few transactions and resolves each only once it is written', async () => {
    const journal = new SqliteJournal(tmp.dir);
    const appends: number[] = [];
    const counting: AuditJournal = Object.assign(Object.create(journal) as AuditJournal, {
      append: (records: readonly AuditRecord[]) => {
        appends.push(records.length);
        return journal.append(records);
      },
    });
    const sink = new GroupCommitSink(counting);
    await Promise.all(Array.from({ length: 300 }, (_, n) => sink.record(readRecord(n))));
    expect(appends.reduce((a, b) => a + b, 0)).toBe(300);
    expect(appends.length).toBeLessThanOrEqual(2);
    expect(await journal.size()).toBe(300);
    await sink.close();
    await journal.close();
  });

  it('keeps every acknowledged record across a crash before the job ran, and the job then moves them all', async () => {
    const { spawn } = await import('node:child_process');
    const { join } = await import('node:path');
    const acked = await new Promise<number>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'crash-recorder.ts'), tmp.dir, '200'], { stdio: ['ignore', 'pipe', 'pipe'], cwd: join(__dirname, '..', '..') });
      let count = 0;
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdout.on('data', (d: Buffer) => {
        count += d.toString().split('\n').filter((l) => l.startsWith('ack ')).length;
        if (count >= 50) child.kill('SIGKILL');
      });
      child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve(count) : reject(new Error(`child exited ${code}: ${stderr}`))));
    });
    expect(acked).toBeGreaterThanOrEqual(50);
    const trail = await trailOn(tmp.dir, store);
    const moved = await trail.moveNow();
    expect(moved).toBeGreaterThanOrEqual(acked);
    const events = await allEvents(store);
    expect(events).toHaveLength(moved);
    expect((await verifyChain(store)).result).toBe(true);
    await trail.stop();
  }, 30_000);
});

describe('the audit job', () => {
  function mover(journal: AuditJournal, state: MemoryStateStore, clock: Clock, owner: string, leaseMs = 30_000): AuditMover {
    return new AuditMover({
      journal, store, state, clock, logger: silentLogger(), server: { baseUrl: BASE_URL }, batchSize: 25,
      lease: new Lease(state, 'audit', 'mover-lease', owner, clock, leaseMs),
    });
  }

  it('never lets two jobs on one state store move entries together; a crashed holder\'s lease expires', async () => {
    let now = Date.UTC(2026, 11, 1);
    const clock: Clock = { now: () => new Date(now) };
    const state = new MemoryStateStore(clock);
    const journal = new SqliteJournal(tmp.dir);
    await journal.append(Array.from({ length: 120 }, (_, n) => readRecord(n)));
    const a = mover(journal, state, clock, 'a');
    const b = mover(journal, state, clock, 'b');
    const [movedA, movedB] = await Promise.all([a.runOnce(), b.runOnce()]);
    expect([movedA, movedB].sort((x, y) => x - y)).toEqual([0, 120]);
    const winner = movedA > 0 ? a : b;
    const loser = winner === a ? b : a;
    // The winner dies holding the lease: the other waits for its expiry, then moves what came since.
    await journal.append([readRecord(500)]);
    expect(await loser.runOnce()).toBe(0);
    now += 31_000;
    expect(await loser.runOnce()).toBe(1);
    expect(await winner.runOnce()).toBe(0);
    const events = await allEvents(store);
    expect(new Set(events.map((e) => e.id)).size).toBe(121);
    expect(events.map((e) => chainMarkOf(e)!.sequence)).toEqual(Array.from({ length: 121 }, (_, n) => n + 1));
    expect(await verifyChain(store)).toEqual({ result: true, checked: 121 });
    await journal.close();
  });

  it('resumes after a run that wrote AuditEvents but neither saved the head nor removed the entries: no loss, no duplicate', async () => {
    const clock = monotonicClock();
    const journal = new SqliteJournal(tmp.dir);
    await journal.append(Array.from({ length: 60 }, (_, n) => readRecord(n)));
    // Stops after writing the first batch: the journal refuses the removal, then the state store is lost.
    const failing: AuditJournal = Object.assign(Object.create(journal) as AuditJournal, {
      oldest: (limit: number) => journal.oldest(limit),
      remove: () => Promise.reject(new Error('crash')),
    });
    await expect(mover(failing, new MemoryStateStore(clock), clock, 'first').runOnce()).rejects.toThrow('crash');
    expect(await allEvents(store)).toHaveLength(25);
    expect(await journal.size()).toBe(60);
    expect(await mover(journal, new MemoryStateStore(clock), clock, 'second').runOnce()).toBe(60);
    const events = await allEvents(store);
    expect(events).toHaveLength(60);
    expect(events.map((e) => chainMarkOf(e)!.sequence)).toEqual(Array.from({ length: 60 }, (_, n) => n + 1));
    expect(await verifyChain(store)).toEqual({ result: true, checked: 60 });
    expect(await journal.size()).toBe(0);
    await journal.close();
  });
});

describe('chain verification', () => {
  async function chainOf(count: number): Promise<AuditEvent[]> {
    const trail = await trailOn(tmp.dir, store);
    await Promise.all(Array.from({ length: count }, (_, n) => trail.sink.record(readRecord(n))));
    await trail.moveNow();
    await trail.stop();
    return allEvents(store);
  }

  it('verifies an untouched chain', async () => {
    await chainOf(40);
    expect(await verifyChain(store)).toEqual({ result: true, checked: 40 });
  });

  it('names the link of an AuditEvent rewritten in the underlying store', async () => {
    const events = await chainOf(40);
    const victim = events[16];
    await store.update({ ...(victim as AuditEvent & { id: string }), outcomeDesc: 'nothing to see' });
    expect(await verifyChain(store)).toEqual({ result: false, checked: 16, broken: { sequence: 17, id: victim.id, reason: 'hash-mismatch' } });
  });

  it('names a link whose previous hash was recomputed to hide a change, and a deleted one', async () => {
    const events = await chainOf(30);
    // Rewriting event 10 and its own hash consistently still breaks the link to event 11.
    const { chained } = await import('../../src/audit/chain');
    const tenth = events[9];
    const ninth = chainMarkOf(events[8])!;
    const changed = { ...tenth, outcomeDesc: 'edited', extension: [] } as AuditEvent;
    const { event } = chained(changed, { sequence: 9, hash: ninth.hash });
    await store.update({ ...event, id: tenth.id! } as AuditEvent & { id: string });
    expect((await verifyChain(store)).broken).toEqual({ sequence: 11, id: events[10].id, reason: 'previous-mismatch' });
    await store.delete('AuditEvent', events[4].id!);
    expect((await verifyChain(store)).broken).toEqual({ sequence: 5, id: events[5].id, reason: 'missing-sequence' });
  });
});
