import type { Bundle } from '@medplum/fhirtypes';
import { operationOutcome, issue } from '../../kernel/errors';
import { startTestServer, type TestServer } from '../../../test/e2e/test-server';
import type { VersionRecord } from '../../store/store';
import type { SearchRequest } from '../search/search-request';
import { rawSearchsetResponse, searchsetBundle, type SearchsetParts } from './search-bundle';

let server: TestServer;
const fullUrl = (r: VersionRecord) => `http://127.0.0.1/fhir/${r.resourceType}/${r.id}`;

beforeAll(async () => {
  server = startTestServer();
  await server.store.create({ resourceType: 'Patient', id: 'p1', name: [{ family: 'Dupré', given: ['Zoé "Z"'] }], birthDate: '1970-01-01' });
  await server.store.create({ resourceType: 'Patient', id: 'p2', active: true, text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">\u2028</div>' } });
  await server.store.create({ resourceType: 'ImagingStudy', id: 's1', status: 'available', subject: { reference: 'Patient/p1' }, numberOfSeries: 2 });
});
afterAll(() => server.close());

async function partsOf(extra: Partial<SearchsetParts> = {}): Promise<SearchsetParts> {
  const page = (type: string): SearchRequest => ({ resourceTypes: [type], filters: [], sort: [], count: 10, offset: 0, total: 'accurate' });
  const patients = await server.store.search(page('Patient'));
  const studies = await server.store.search(page('ImagingStudy'));
  return {
    total: patients.total,
    link: [{ relation: 'self', url: 'http://127.0.0.1/fhir/Patient?_count=10&name=%C3%A9' }],
    records: [...patients.entries.map((record) => ({ record, mode: 'match' as const })), ...studies.entries.map((record) => ({ record, mode: 'include' as const }))],
    fullUrl,
    ...extra,
  };
}

describe('raw searchset assembly', () => {
  it('writes exactly the JSON of the object-built Bundle, from the stored text', async () => {
    const parts = await partsOf();
    expect(parts.records).toHaveLength(3);
    expect(parts.records.every(({ record }) => typeof record.json === 'string')).toBe(true);
    const response = rawSearchsetResponse(parts);
    const raw = response.rawBody!;
    expect(response.rawBodyBytes).toBe(Buffer.byteLength(raw));
    const built = searchsetBundle(await partsOf(), (r) => r.resource!);
    expect(JSON.parse(raw)).toEqual(built);
    expect(raw).toBe(JSON.stringify(built));
  });

  it('keeps the outcome entry, a missing total, and records without stored text', async () => {
    const outcome = operationOutcome([issue('not-supported', "Unknown or unsupported search parameter 'x' was ignored", undefined, 'warning')]);
    const parts = await partsOf({ total: undefined, outcome });
    delete parts.total;
    // A backend without stored text (MongoDB) hands out plain records.
    parts.records = parts.records.map(({ record, mode }) => ({ record: { ...record, resource: record.resource }, mode }));
    expect(parts.records.some(({ record }) => record.json !== undefined)).toBe(false);
    const response = rawSearchsetResponse(parts);
    const raw = response.rawBody!;
    const built = searchsetBundle(parts, (r) => r.resource!);
    expect(JSON.parse(raw)).toEqual(built);
    expect(raw).toBe(JSON.stringify(built));
    expect((JSON.parse(raw) as Bundle).entry?.at(-1)?.search?.mode).toBe('outcome');
    expect(response.rawBodyBytes).toBe(Buffer.byteLength(raw));
  });

  it('an empty page is an empty entry array, as the object-built Bundle has', () => {
    const parts: SearchsetParts = { total: 0, link: [], records: [], fullUrl };
    expect(rawSearchsetResponse(parts).rawBody).toBe(JSON.stringify(searchsetBundle(parts, (r) => r.resource!)));
    expect(rawSearchsetResponse(parts).rawBodyBytes).toBe(Buffer.byteLength(rawSearchsetResponse(parts).rawBody!));
  });

  it('parses its body only when asked, and answers the same Bundle', async () => {
    const response = rawSearchsetResponse(await partsOf());
    expect(response.body).toEqual(JSON.parse(response.rawBody!));
    expect(response.body).toBe(response.body);
  });

  it('the search route answers raw text for whole resources and objects for a _summary subset', async () => {
    const get = (qs: string) => server.router.handle(server.requestContext(), { method: 'GET', path: 'Patient', query: new URLSearchParams(qs), headers: {} });
    const whole = await get('_count=5');
    expect(whole.rawBody).toBeDefined();
    expect(JSON.parse(whole.rawBody!)).toEqual(JSON.parse(JSON.stringify(whole.body)));
    expect((whole.body as Bundle).entry?.map((e) => e.resource?.id)).toEqual(['p1', 'p2']);
    const summary = await get('_summary=true');
    expect(summary.rawBody).toBeUndefined();
    expect((summary.body as Bundle).entry?.[0].resource?.meta?.tag?.[0].code).toBe('SUBSETTED');
  });
});
