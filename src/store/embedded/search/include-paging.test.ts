import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { loadDefinitions } from '../../../fhir/conformance/definitions';
import { parseSearchRequest } from '../../../fhir/search/parse-search';
import type { SearchCursor, SearchResult } from '../../../fhir/search/search-request';
import { openEmbeddedStore, type EmbeddedStore } from '../embedded-store';
import { createEmbeddedSearchIndex } from './embedded-search-index';
import { MAX_INCLUDED } from './include-query';

/** _include/_revinclude and keyset paging through the real embedded store. */
const definitions = loadDefinitions();
let dir: string;
let store: EmbeddedStore;
type R = Resource & { id: string };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lucarne-include-'));
  store = openEmbeddedStore({ dataDir: dir, index: createEmbeddedSearchIndex(definitions), durability: 'normal' });
  const rs: R[] = [
    { resourceType: 'Organization', id: 'org1', name: 'CHU' },
    { resourceType: 'Organization', id: 'org0', name: 'Group', partOf: { reference: 'Organization/orgtop' } },
    { resourceType: 'Organization', id: 'orgtop', name: 'Top' },
    { resourceType: 'Patient', id: 'p1', managingOrganization: { reference: 'Organization/org1' }, generalPractitioner: [{ reference: 'Practitioner/dr' }] },
    { resourceType: 'Practitioner', id: 'dr', name: [{ family: 'House' }] },
    { resourceType: 'Patient', id: 'p2', managingOrganization: { reference: 'Organization/org0' } },
    { resourceType: 'Observation', id: 'o1', status: 'final', code: { text: 'a' }, subject: { reference: 'Patient/p1' } },
    { resourceType: 'Observation', id: 'o2', status: 'final', code: { text: 'b' }, subject: { reference: 'Patient/p1' } },
    { resourceType: 'Observation', id: 'o3', status: 'final', code: { text: 'c' }, subject: { reference: 'Patient/p2' } },
    { resourceType: 'Provenance', id: 'pv', target: [{ reference: 'Observation/o1' }], recorded: '2024-01-01T00:00:00Z', agent: [{ who: { reference: 'Practitioner/dr' } }] },
  ];
  for (const r of rs) await store.update(r);
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const search = (type: string, query: string, cursor?: SearchCursor) => {
  const { request } = parseSearchRequest(definitions, type, new URLSearchParams(query));
  return store.search(cursor ? { ...request, cursor } : request);
};
const ids = (rs: SearchResult['entries']) => rs.map((r) => `${r.resourceType}/${r.id}`).sort();

describe('_include and _revinclude', () => {
  it('includes targets once, restricted by target type', async () => {
    const r = await search('Observation', '_include=Observation:subject');
    expect(ids(r.entries)).toEqual(['Observation/o1', 'Observation/o2', 'Observation/o3']);
    expect(ids(r.included)).toEqual(['Patient/p1', 'Patient/p2']);
    expect(ids((await search('Observation', '_include=Observation:subject:Group')).included)).toEqual([]);
    expect(ids((await search('Observation', '_id=o3&_include=Observation:subject:Patient')).included)).toEqual(['Patient/p2']);
  });
  it('* includes every reference parameter; :iterate follows what was included', async () => {
    expect(ids((await search('Patient', '_id=p1&_include=*')).included)).toEqual(['Organization/org1', 'Practitioner/dr']);
    expect(ids((await search('Patient', '_id=p2&_include=Patient:organization&_include=Organization:partof')).included))
      .toEqual(['Organization/org0']);
    expect(ids((await search('Patient', '_id=p2&_include=Patient:organization&_include:iterate=Organization:partof')).included))
      .toEqual(['Organization/org0', 'Organization/orgtop']);
  });
  it('revincludes referrers, with iterate across types', async () => {
    expect(ids((await search('Patient', '_id=p1&_revinclude=Observation:subject')).included)).toEqual(['Observation/o1', 'Observation/o2']);
    const deep = await search('Patient', '_id=p1&_revinclude=Observation:subject&_revinclude:iterate=Provenance:target');
    expect(ids(deep.included)).toEqual(['Observation/o1', 'Observation/o2', 'Provenance/pv']);
    const mixed = await search('Observation', '_id=o1&_revinclude=Provenance:target&_include:iterate=Provenance:agent');
    expect(ids(mixed.included)).toEqual(['Practitioner/dr', 'Provenance/pv']);
  });
  it('does not include deleted targets nor page entries again', async () => {
    await store.update({ resourceType: 'Patient', id: 'gone', managingOrganization: { reference: 'Organization/del' } } as R);
    await store.update({ resourceType: 'Organization', id: 'del', name: 'x' } as R);
    await store.delete('Organization', 'del');
    expect(ids((await search('Patient', '_id=gone&_include=Patient:organization')).included)).toEqual([]);
    expect(ids((await search('Patient', '_id=p1,p2&_include=Patient:link')).included)).toEqual([]);
  });
  it('caps included resources per page with a warning', async () => {
    await store.transaction(async (tx) => {
      for (let i = 0; i < MAX_INCLUDED + 5; i++) {
        await tx.update({ resourceType: 'Observation', id: `many${i}`, status: 'final', code: { text: 'm' }, subject: { reference: 'Patient/p2' } } as R);
      }
    });
    const r = await search('Patient', '_id=p2&_revinclude=Observation:subject');
    expect(r.included).toHaveLength(MAX_INCLUDED);
    expect(r.warnings?.[0]).toMatch(/limited to 1000/);
  });
});

describe('keyset paging', () => {
  async function walk(query: string): Promise<string[]> {
    const seen: string[] = [];
    let r = await search('Encounter', query);
    for (;;) {
      seen.push(...r.entries.map((e) => e.id));
      if (!r.next) return seen;
      r = await search('Encounter', query, r.next);
    }
  }
  beforeAll(async () => {
    for (let i = 0; i < 12; i++) {
      await store.update({ resourceType: 'Encounter', id: `e${String(i).padStart(2, '0')}`, status: 'finished', class: { code: 'AMB' },
        ...(i % 3 === 0 ? {} : { period: { start: `2024-01-${String(10 + (i % 4)).padStart(2, '0')}` } }) } as R);
    }
  });
  it('walks every resource exactly once, in order, for the default and sorted orders', async () => {
    const all = (await search('Encounter', '_count=100')).entries.map((e) => e.id);
    expect(await walk('_count=5')).toEqual(all);
    const byDate = (await search('Encounter', '_count=100&_sort=-date,_id')).entries.map((e) => e.id);
    expect(await walk('_count=5&_sort=-date,_id')).toEqual(byDate);
    expect(await walk('_count=4&_sort=date')).toEqual((await search('Encounter', '_count=100&_sort=date')).entries.map((e) => e.id));
  });
  it('no duplicates or gaps when resources are inserted before the cursor meanwhile', async () => {
    const first = await search('Encounter', '_count=4&_sort=_id');
    await store.update({ resourceType: 'Encounter', id: 'e00a', status: 'finished', class: { code: 'AMB' } } as R);
    const second = await search('Encounter', '_count=4&_sort=_id', first.next);
    expect(second.entries.map((e) => e.id)).toEqual(['e04', 'e05', 'e06', 'e07']);
  });
  it('previous cursors give back the preceding page in order', async () => {
    const first = await search('Encounter', '_count=3&_sort=-date,_id');
    const second = await search('Encounter', '_count=3&_sort=-date,_id', first.next);
    const third = await search('Encounter', '_count=3&_sort=-date,_id', second.next);
    const back = await search('Encounter', '_count=3&_sort=-date,_id', third.previous);
    expect(back.entries.map((e) => e.id)).toEqual(second.entries.map((e) => e.id));
    const backAgain = await search('Encounter', '_count=3&_sort=-date,_id', back.previous);
    expect(backAgain.entries.map((e) => e.id)).toEqual(first.entries.map((e) => e.id));
    expect(backAgain.previous).toBeUndefined();
    expect(first.previous).toBeUndefined();
  });
  it('_total=estimate counts only when the page is not the whole result', async () => {
    expect((await search('Encounter', '_count=100&_total=estimate')).total).toBe(13);
    expect((await search('Encounter', '_count=2&_total=estimate')).total).toBe(13);
    expect((await search('Encounter', '_count=2&_total=none')).total).toBeUndefined();
  });
});
