import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle, SearchParameter, ServiceRequest } from '@medplum/fhirtypes';
import request from 'supertest';
import { loadDefinitions } from '../../src/fhir/conformance/definitions';
import { REPO_ROOT, startIgServer, type IgServer } from './ig-test-server';

const ACSN = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'ACSN' }] };
const PLAC = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'PLAC' }] };
const ISSUER = 'urn:oid:1.2.250.1.999.1.2';
const CCAM = 'https://smt.esante.gouv.fr/terminologie-ccam';
/** An accession number typed twice: a site's local code first, then v2-0203 ACSN (a Coding list, as R4 allows). */
const LOCAL_AND_ACSN = { coding: [{ system: 'urn:oid:1.2.250.1.999.9', code: 'NUM-EXAM' }, ...ACSN.coding] };

function igSearchParameters(): SearchParameter[] {
  const dir = join(REPO_ROOT, 'ig');
  return readdirSync(dir)
    .filter((f) => f.startsWith('SearchParameter-') && f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as SearchParameter);
}

describe('ig/ SearchParameters', () => {
  it('do not redefine a parameter R4 already has on the same type', () => {
    const r4 = loadDefinitions();
    const params = igSearchParameters();
    expect(params.length).toBeGreaterThanOrEqual(4);
    for (const sp of params) {
      for (const base of sp.base ?? []) expect([base, sp.code, r4.searchParameter(base, sp.code as string)?.url]).toEqual([base, sp.code, undefined]);
      expect(sp.url).toBe(`https://lucarne.example/fhir/SearchParameter/${sp.id}`);
      expect(sp.expression).not.toMatch(/resolve\(\)/);
    }
  });
});

describe('ig/ SearchParameters over HTTP (ig/ loaded by the real app)', () => {
  let server: IgServer;
  let siteId: string;
  beforeAll(async () => {
    server = await startIgServer();
    const post = (body: object) => request(server.http).post(`/fhir/${(body as { resourceType: string }).resourceType}`).set('content-type', 'application/fhir+json').send(body).expect(201);
    const patient = await post({ resourceType: 'Patient', id: 'x' });
    const subject = { reference: `Patient/${patient.body.id}` };
    await post({
      resourceType: 'ServiceRequest', status: 'active', intent: 'order', subject,
      identifier: [{ type: ACSN, system: ISSUER, value: 'ACC-2026-0001' }, { type: PLAC, system: 'urn:oid:1.2.3', value: 'ACC-2026-0002' }],
    });
    await post({ resourceType: 'ServiceRequest', status: 'active', intent: 'order', subject, identifier: [{ type: ACSN, system: ISSUER, value: 'ACC-2026-0002' }] });
    const study = await post({ resourceType: 'ImagingStudy', status: 'available', subject, identifier: [{ type: ACSN, system: ISSUER, value: 'ACC-2026-0001' }] });
    await post({ resourceType: 'Organization', id: 'x', name: 'Site A' });
    const site = await post({ resourceType: 'Organization', name: 'Site A' });
    await post({
      resourceType: 'ImagingStudy', status: 'available', subject, identifier: [{ type: ACSN, system: ISSUER, value: 'ACC-2026-0003' }],
      procedureCode: [{ coding: [{ system: CCAM, code: 'ZBQK002' }] }],
      series: [{ uid: '1.2.250.1.999.3', modality: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'DX' }, performer: [{ actor: { reference: `Organization/${site.body.id}` } }] }],
    });
    siteId = site.body.id;
    await post({
      resourceType: 'DiagnosticReport', status: 'final', code: { text: 'CR' }, subject,
      identifier: [{ type: ACSN, system: ISSUER, value: 'ACC-2026-0001' }], imagingStudy: [{ reference: `ImagingStudy/${study.body.id}` }],
    });
    const twice = [{ type: LOCAL_AND_ACSN, system: ISSUER, value: 'ACC-2026-0004' }];
    await post({ resourceType: 'ServiceRequest', status: 'active', intent: 'order', subject, identifier: twice });
    await post({ resourceType: 'ImagingStudy', status: 'available', subject, identifier: twice });
    await post({ resourceType: 'DiagnosticReport', status: 'final', code: { text: 'CR' }, subject, identifier: twice });
  });
  afterAll(() => server.close());

  const search = async (query: string) => {
    const res = await request(server.http).get(`/fhir/${query}`).expect(200);
    return (res.body as Bundle).entry?.map((e) => e.resource) ?? [];
  };

  it('ServiceRequest?accession= matches only the ACSN identifier (not a placer number with the same value)', async () => {
    const hits = await search('ServiceRequest?accession=ACC-2026-0002');
    expect(hits).toHaveLength(1);
    expect((hits[0] as ServiceRequest).identifier?.[0]).toMatchObject({ value: 'ACC-2026-0002', type: ACSN });
    expect(await search(`ServiceRequest?accession=${encodeURIComponent(`${ISSUER}|ACC-2026-0001`)}`)).toHaveLength(1);
    expect(await search(`ServiceRequest?accession=${encodeURIComponent('urn:oid:9.9|ACC-2026-0001')}`)).toHaveLength(0);
  });

  it('accession= finds an identifier whose type has two codings, ACSN being the second', async () => {
    for (const type of ['ServiceRequest', 'ImagingStudy', 'DiagnosticReport']) {
      expect([type, (await search(`${type}?accession=ACC-2026-0004`)).length]).toEqual([type, 1]);
    }
  });

  it('DiagnosticReport?accession= and ImagingStudy?accession= find the report and the study', async () => {
    expect(await search('DiagnosticReport?accession=ACC-2026-0001')).toHaveLength(1);
    expect(await search('DiagnosticReport?accession=ACC-2026-0002')).toHaveLength(0);
    expect(await search('ImagingStudy?accession=ACC-2026-0001')).toHaveLength(1);
  });

  it('DiagnosticReport?imaging-study= finds the reports of a study, and _revinclude follows it', async () => {
    const [study] = await search('ImagingStudy?accession=ACC-2026-0001');
    expect(await search(`DiagnosticReport?imaging-study=ImagingStudy/${study?.id}`)).toHaveLength(1);
    const withReports = await search(`ImagingStudy?_id=${study?.id}&_revinclude=DiagnosticReport:imaging-study`);
    expect(withReports.map((r) => r?.resourceType).sort()).toEqual(['DiagnosticReport', 'ImagingStudy']);
  });

  it('ImagingStudy?procedure= finds a study by its imaging act (procedureCode), with or without the system', async () => {
    expect((await search(`ImagingStudy?procedure=${encodeURIComponent(`${CCAM}|ZBQK002`)}`)).map((s) => s?.id)).toHaveLength(1);
    expect(await search('ImagingStudy?procedure=ZBQK002')).toHaveLength(1);
    expect(await search(`ImagingStudy?procedure=${encodeURIComponent('http://loinc.org|ZBQK002')}`)).toHaveLength(0);
    expect(await search('ImagingStudy?procedure=ACQK001')).toHaveLength(0);
  });

  it('ImagingStudy?performer= finds the studies a facility performed (series.performer.actor), and chains on it', async () => {
    const hits = await search(`ImagingStudy?performer=Organization/${siteId}`);
    expect(hits.map((s) => (s as { identifier?: { value?: string }[] }).identifier?.[0]?.value)).toEqual(['ACC-2026-0003']);
    expect(await search('ImagingStudy?performer=Organization/x')).toHaveLength(0);
    expect(await search(`ImagingStudy?performer:Organization._id=${siteId}`)).toHaveLength(1);
  });

  it('the live CapabilityStatement lists them with their canonical URLs', async () => {
    const res = await request(server.http).get('/fhir/metadata').expect(200);
    const sr = res.body.rest[0].resource.find((r: { type: string }) => r.type === 'ServiceRequest');
    expect(sr.searchParam).toContainEqual({ name: 'accession', type: 'token', definition: 'https://lucarne.example/fhir/SearchParameter/ServiceRequest-accession' });
    const study = res.body.rest[0].resource.find((r: { type: string }) => r.type === 'ImagingStudy');
    expect(study.searchParam).toContainEqual({ name: 'procedure', type: 'token', definition: 'https://lucarne.example/fhir/SearchParameter/ImagingStudy-procedure' });
    expect(study.searchParam).toContainEqual(expect.objectContaining({ name: 'performer', type: 'reference' }));
  });
});
