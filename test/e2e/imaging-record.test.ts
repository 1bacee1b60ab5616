import type { Bundle, OperationOutcome } from '@medplum/fhirtypes';
import { startBundleTestServer, type BundleTestServer } from './bundle-test-helpers';
import { P1_INS, P2_IPP, SITE_B_IPP, TEST_INS, personResources, seed } from './imaging-seed';

let server: BundleTestServer;

beforeAll(async () => {
  server = await startBundleTestServer();
  await seed(server, personResources());
});
afterAll(() => server.close());

const record = async (query = '') => {
  const res = await server.http.get(`/fhir/Patient/p1/$imaging-record${query}`);
  expect(res.status).toBe(200);
  return res.body as Bundle;
};
const keys = (b: Bundle, mode?: string) => (b.entry ?? []).filter((e) => !mode || e.search?.mode === mode).map((e) => `${e.resource?.resourceType}/${e.resource?.id}`);

describe('Patient/$imaging-record', () => {
  it('gathers every linked identity (forwards, backwards, transitively), newest study first', async () => {
    const b = await record();
    expect(b.type).toBe('searchset');
    expect(b.total).toBe(6);
    expect(keys(b, 'match')).toEqual(['ImagingStudy/s5', 'ImagingStudy/s1', 'ImagingStudy/s4', 'ImagingStudy/s2', 'ImagingStudy/s3', 'ImagingStudy/s6']);
    expect(keys(b)).not.toContain('ImagingStudy/x1');
    expect(keys(b, 'include')).toEqual(expect.arrayContaining(['Patient/p1', 'Patient/p2', 'Patient/p3', 'Endpoint/pacs-a', 'Endpoint/pacs-b', 'Organization/site-a', 'Organization/site-b']));
    expect(keys(b)).not.toContain('Patient/stranger');
  });

  it('puts each study’s order, reports and dose right after it', async () => {
    const all = keys(await record());
    const at = all.indexOf('ImagingStudy/s1');
    expect(all.slice(at, at + 4)).toEqual(['ImagingStudy/s1', 'ServiceRequest/sr-s1', 'DiagnosticReport/dr-s1', 'Observation/dose-s1']);
    // s2's report names the study only (no basedOn): found through DiagnosticReport.imagingStudy.
    const s2 = all.indexOf('ImagingStudy/s2');
    expect(all.slice(s2, s2 + 4)).toEqual(['ImagingStudy/s2', 'ServiceRequest/sr-s2', 'DiagnosticReport/dr-s2', 'Observation/dose-s2']);
    expect(all.filter((k) => k === 'Organization/site-a')).toHaveLength(1);
  });

  it('filters by modality (OR) and by date range', async () => {
    expect(keys(await record('?modality=CT,MR'), 'match')).toEqual(['ImagingStudy/s5', 'ImagingStudy/s1', 'ImagingStudy/s2']);
    const since = new Date(Date.now() - 100 * 86_400_000).toISOString().slice(0, 10);
    const until = new Date(Date.now() - 45 * 86_400_000).toISOString().slice(0, 10);
    expect(keys(await record(`?start=${since}&end=${until}`), 'match')).toEqual(['ImagingStudy/s1', 'ImagingStudy/s4']);
    const byPost = await server.http.post('/fhir/Patient/p1/$imaging-record').set('Content-Type', 'application/fhir+json')
      .send({ resourceType: 'Parameters', parameter: [{ name: 'modality', valueCode: 'XA' }] });
    expect(keys(byPost.body as Bundle, 'match')).toEqual(['ImagingStudy/s4', 'ImagingStudy/s3']);
  });

  it('pages by study with next and previous links', async () => {
    const page = await record('?_count=2&_offset=2');
    expect(keys(page, 'match')).toEqual(['ImagingStudy/s4', 'ImagingStudy/s2']);
    expect(keys(page)).toContain('Observation/dose-s4');
    expect(keys(page)).not.toContain('Observation/dose-s1');
    const link = (rel: string) => page.link?.find((l) => l.relation === rel)?.url;
    expect(link('next')).toMatch(/_count=2&_offset=4$/);
    expect(link('previous')).toMatch(/\$imaging-record\?_count=2$/);
    const last = await record('?_count=2&_offset=4');
    expect(keys(last, 'match')).toEqual(['ImagingStudy/s3', 'ImagingStudy/s6']);
    expect(last.link?.some((l) => l.relation === 'next')).toBe(false);
  });

  it('answers 404 for an unknown patient and 410 for a deleted one', async () => {
    expect((await server.http.get('/fhir/Patient/nobody/$imaging-record')).status).toBe(404);
    await server.http.put('/fhir/Patient/gone').set('Content-Type', 'application/fhir+json').send({ resourceType: 'Patient', id: 'gone' });
    await server.http.delete('/fhir/Patient/gone');
    expect((await server.http.get('/fhir/Patient/gone/$imaging-record')).status).toBe(410);
  });

  it.each([
    ['start=2024-13-01', 'start'],
    ['end=yesterday', 'end'],
    ['_count=abc', '_count'],
    ['_offset=-1', '_offset'],
    ['modality=ct;drop', 'modality'],
  ])('refuses %s with a 400 naming the parameter', async (query, name) => {
    const res = await server.http.get(`/fhir/Patient/p1/$imaging-record?${query}`);
    expect(res.status).toBe(400);
    const outcome = res.body as OperationOutcome;
    expect(outcome.issue[0].expression).toEqual([name]);
  });
});

describe('Patient/$imaging-record at type level (identifier=system|value)', () => {
  const byIdentifier = (identifier: string, query = '') => server.http.get(`/fhir/Patient/$imaging-record?identifier=${encodeURIComponent(identifier)}${query}`);

  it('finds the patient by INS or by IPP and returns the same record as at instance level', async () => {
    const byIns = await byIdentifier(`${TEST_INS}|${P1_INS}`);
    expect(byIns.status).toBe(200);
    const instance = await record();
    expect(keys(byIns.body as Bundle)).toEqual(keys(instance));
    expect((byIns.body as Bundle).total).toBe(6);
    // p2's IPP: the same person through the link, so the same studies
    const byIpp = await byIdentifier(`${SITE_B_IPP}|${P2_IPP}`);
    expect(keys(byIpp.body as Bundle, 'match')).toEqual(keys(instance, 'match'));
  });

  it('keeps the identifier and the filters in the page links, and accepts a Parameters body', async () => {
    const page = (await byIdentifier(`${TEST_INS}|${P1_INS}`, '&modality=CT,XA&_count=2')).body as Bundle;
    expect(keys(page, 'match')).toEqual(['ImagingStudy/s1', 'ImagingStudy/s4']);
    const next = page.link?.find((l) => l.relation === 'next')?.url ?? '';
    expect(next).toContain(`/Patient/$imaging-record?identifier=${encodeURIComponent(`${TEST_INS}|${P1_INS}`)}&modality=CT%2CXA&_count=2&_offset=2`);
    const rest = await server.http.get(next.slice(next.indexOf('/fhir/')));
    expect(keys(rest.body as Bundle, 'match')).toEqual(['ImagingStudy/s2', 'ImagingStudy/s3']);
    const posted = await server.http.post('/fhir/Patient/$imaging-record').set('Content-Type', 'application/fhir+json')
      .send({ resourceType: 'Parameters', parameter: [{ name: 'identifier', valueString: `${SITE_B_IPP}|${P2_IPP}` }, { name: 'modality', valueCode: 'MR' }] });
    expect(keys(posted.body as Bundle, 'match')).toEqual(['ImagingStudy/s5']);
  });

  it('answers 404 when no patient has the identifier and 409 naming them when several do', async () => {
    const none = await byIdentifier(`${TEST_INS}|248039263001064`);
    expect([none.status, (none.body as OperationOutcome).issue[0].code]).toEqual([404, 'not-found']);
    for (const id of ['dup1', 'dup2']) {
      await server.http.put(`/fhir/Patient/${id}`).set('Content-Type', 'application/fhir+json')
        .send({ resourceType: 'Patient', id, identifier: [{ system: SITE_B_IPP, value: 'IPP-B-DUP' }] }).expect(201);
    }
    const several = await byIdentifier(`${SITE_B_IPP}|IPP-B-DUP`);
    expect(several.status).toBe(409);
    const diagnostics = (several.body as OperationOutcome).issue[0].diagnostics;
    expect(diagnostics).toContain('Patient/dup1');
    expect(diagnostics).toContain('Patient/dup2');
    expect(diagnostics).not.toContain('IPP-B-DUP');
  });

  it.each([
    ['', 'identifier'],
    [`?identifier=${P1_INS}`, 'identifier'],
    [`?identifier=${encodeURIComponent(`${TEST_INS}|`)}`, 'identifier'],
    [`?identifier=${encodeURIComponent(`${TEST_INS}|${P1_INS}`)}&start=2024-13`, 'start'],
  ])('refuses %s with a 400 naming %s', async (query, name) => {
    const res = await server.http.get(`/fhir/Patient/$imaging-record${query}`);
    expect(res.status).toBe(400);
    expect((res.body as OperationOutcome).issue[0].expression).toEqual([name]);
  });
});

describe('Patient/$everything', () => {
  it('returns the patient, its linked identities and all their compartments, with referenced organisations, paged', async () => {
    const res = await server.http.get('/fhir/Patient/p1/$everything?_count=100');
    expect(res.status).toBe(200);
    const b = res.body as Bundle;
    const match = keys(b, 'match');
    // the requested identity first, then those linked to it (forwards, backwards, transitively)
    expect(match.slice(0, 3)).toEqual(['Patient/p1', 'Patient/p2', 'Patient/p3']);
    expect(match).toEqual(expect.arrayContaining(['ImagingStudy/s1', 'ServiceRequest/sr-s5', 'DiagnosticReport/dr-s1', 'Observation/dose-s6']));
    expect(match).toEqual(expect.arrayContaining(['ImagingStudy/s2', 'Observation/dose-s3', 'ImagingStudy/s4', 'DiagnosticReport/dr-s4']));
    expect(match).not.toContain('Patient/stranger');
    expect(match).not.toContain('ImagingStudy/x1');
    expect(new Set(match).size).toBe(match.length);
    expect(keys(b, 'include')).toEqual(expect.arrayContaining(['Organization/site-a', 'Organization/site-b', 'Endpoint/pacs-a', 'Endpoint/pacs-b']));
    // 3 Patients; p1: s1 (order, study, report, dose), s5 (no dose), s6 (no report) = 10; p2: s2, s3 = 8; p3: s4 = 4
    expect(b.total).toBe(25);
    expect(match).toHaveLength(25);
    const pages = await Promise.all([0, 4, 8, 12, 16, 20, 24].map(async (offset) =>
      keys((await server.http.get(`/fhir/Patient/p1/$everything?_count=4&_offset=${offset}`)).body as Bundle, 'match')));
    expect(pages.map((p) => p.length)).toEqual([4, 4, 4, 4, 4, 4, 1]);
    expect(new Set(pages.flat()).size).toBe(25);
    const typed = (await server.http.get('/fhir/Patient/p1/$everything?_type=Observation')).body as Bundle;
    expect(keys(typed, 'match').sort()).toEqual(['Observation/dose-s1', 'Observation/dose-s2', 'Observation/dose-s3', 'Observation/dose-s4', 'Observation/dose-s6']);
    const since = (await server.http.get(`/fhir/Patient/p1/$everything?_since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).body as Bundle;
    expect(since.total).toBe(0);
  });

  it('is the same record from any of the linked identities, and 404 for an unknown patient', async () => {
    const fromP3 = keys((await server.http.get('/fhir/Patient/p3/$everything?_count=100')).body as Bundle, 'match');
    const fromP1 = keys((await server.http.get('/fhir/Patient/p1/$everything?_count=100')).body as Bundle, 'match');
    expect(fromP3[0]).toBe('Patient/p3');
    expect([...fromP3].sort()).toEqual([...fromP1].sort());
    expect((await server.http.get('/fhir/Patient/nobody/$everything')).status).toBe(404);
  });

  it('refuses a type outside the compartment and a bad _since', async () => {
    const bad = await server.http.get('/fhir/Patient/p1/$everything?_type=Organization');
    expect([bad.status, (bad.body as OperationOutcome).issue[0].expression]).toEqual([400, ['_type']]);
    expect((await server.http.get('/fhir/Patient/p1/$everything?_since=notadate')).status).toBe(400);
  });
});
