import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { loadDefinitions } from '../../../fhir/conformance/definitions';
import { parseSearchRequest } from '../../../fhir/search/parse-search';
import { openEmbeddedStore, type EmbeddedStore } from '../embedded-store';
import { createEmbeddedSearchIndex } from './embedded-search-index';

/** Search through the real embedded store: index rows written in the store's transactions. */
const definitions = loadDefinitions();
let dir: string;
let store: EmbeddedStore;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lucarne-search-'));
  store = openEmbeddedStore({ dataDir: dir, index: createEmbeddedSearchIndex(definitions), durability: 'normal' });
  const put = (r: Resource & { id: string }) => store.update(r);
  await put({ resourceType: 'Patient', id: 'a', name: [{ family: 'Éluard', given: ['Paul'] }], birthDate: '1895-12-14' });
  await put({ resourceType: 'Patient', id: 'b', name: [{ family: 'Eluard', given: ['Nusch'] }], birthDate: '1906' });
  await put({ resourceType: 'ImagingStudy', id: 's1', status: 'available', subject: { reference: 'Patient/a' },
    series: [{ uid: '1.2.3.1', modality: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'CT' } }], started: '2024-05-01T09:00:00+02:00',
    identifier: [{ system: 'urn:dicom:uid', value: 'urn:oid:1.2.3' }] } as Resource & { id: string });
  await put({ resourceType: 'ImagingStudy', id: 's2', status: 'available', subject: { reference: 'Patient/b' },
    series: [{ uid: '1.2.4.1', modality: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'MR' } }], started: '2024-06-01' } as Resource & { id: string });
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function ids(type: string, query: string): Promise<string[]> {
  const { request } = parseSearchRequest(definitions, type, new URLSearchParams(query));
  const result = await store.search(request);
  return result.entries.map((e) => e.id);
}

describe('search through the embedded store', () => {
  it('finds by string, token, reference and date', async () => {
    expect(await ids('Patient', 'family=eluard&_sort=_id')).toEqual(['a', 'b']);
    expect(await ids('Patient', 'birthdate=lt1900')).toEqual(['a']);
    expect(await ids('ImagingStudy', 'modality=CT')).toEqual(['s1']);
    expect(await ids('ImagingStudy', 'identifier=urn:dicom:uid|urn:oid:1.2.3')).toEqual(['s1']);
    expect(await ids('ImagingStudy', 'patient=b')).toEqual(['s2']);
    expect(await ids('ImagingStudy', 'started=2024-05-01')).toEqual(['s1']);
    expect(await ids('ImagingStudy', '_sort=-started')).toEqual(['s2', 's1']);
  });

  it('follows updates and deletes', async () => {
    await store.update({ resourceType: 'ImagingStudy', id: 's2', status: 'available', subject: { reference: 'Patient/a' },
      series: [{ uid: '1.2.4.1', modality: { code: 'US' } }] } as Resource & { id: string });
    expect(await ids('ImagingStudy', 'patient=b')).toEqual([]);
    expect(await ids('ImagingStudy', 'patient=a&_sort=_id')).toEqual(['s1', 's2']);
    await store.delete('ImagingStudy', 's1');
    expect(await ids('ImagingStudy', 'patient=a')).toEqual(['s2']);
    expect(await ids('ImagingStudy', 'modality=CT')).toEqual([]);
  });
});
