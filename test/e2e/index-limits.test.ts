import type { OperationOutcome } from '@medplum/fhirtypes';
import { FHIR_JSON, startBundleTestServer, type BundleTestServer } from './bundle-test-helpers';

let server: BundleTestServer;
beforeAll(async () => {
  server = await startBundleTestServer();
});
afterAll(() => server.close());

const post = (resource: object) => server.http.post(`/fhir/${(resource as { resourceType: string }).resourceType}`).set('Content-Type', FHIR_JSON).send(resource);

describe('search-index entries per resource', () => {
  it('refuses (413 too-costly) a resource that would need more than 50,000 index entries, and stores nothing', async () => {
    // 30,000 distinct names: family, given, name and phonetic entries for each, well past the limit.
    const name = Array.from({ length: 30_000 }, (_, i) => ({ family: `Famille${i}`, given: [`Prénom${i}`] }));
    const res = await post({ resourceType: 'Patient', name });
    expect(res.status).toBe(413);
    const outcome = res.body as OperationOutcome;
    expect(outcome.issue[0].code).toBe('too-costly');
    expect(outcome.issue[0].diagnostics).toMatch(/50000 search-index entries/);
    const count = await server.http.get('/fhir/Patient?_summary=count');
    expect(count.body.total).toBe(0);
  });

  it('refuses (413) a resource of more than maxResourceElements JSON values while its body is scanned, before parsing it', async () => {
    // 60,000 names: 240,000 values, past the default 200,000.
    const name = Array.from({ length: 60_000 }, (_, i) => ({ family: `Famille${i}`, given: [`Prénom${i}`] }));
    const res = await post({ resourceType: 'Patient', name });
    expect(res.status).toBe(413);
    expect((res.body as OperationOutcome).issue[0].diagnostics).toMatch(/more than 200000 JSON values \(maxResourceElements\)/);
    expect((await server.http.get('/fhir/Patient?_summary=count')).body.total).toBe(0);
  });

  it('accepts an ImagingStudy of 5,000 instances (a large CT): about 10,000 entries', async () => {
    const instance = Array.from({ length: 5000 }, (_, i) => ({
      uid: `1.2.250.1.999.7.${i}`,
      sopClass: { system: 'urn:ietf:rfc:3986', code: 'urn:oid:1.2.840.10008.5.1.4.1.1.2' },
      number: i + 1,
    }));
    const res = await post({
      resourceType: 'ImagingStudy',
      status: 'available',
      subject: { display: 'x' },
      series: [{ uid: '1.2.250.1.999.7', modality: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'CT' }, instance }],
    });
    expect(res.status).toBe(201);
    const found = await server.http.get('/fhir/ImagingStudy?instance=1.2.250.1.999.7.4999');
    expect(found.body.entry).toHaveLength(1);
  });
});
