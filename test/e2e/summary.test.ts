import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { startTestServer, type TestServer } from './test-server';

const EXAMPLES = join(require.resolve('hl7.fhir.r4.examples/package.json'), '..');
const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' };
let server: TestServer;

function example(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(EXAMPLES, file), 'utf8')) as Record<string, unknown>;
}

const get = (path: string) => request(server.app).get(`/fhir/${path}`);
const keys = (r: object) => Object.keys(r).sort();

beforeAll(async () => {
  server = startTestServer();
  for (const file of ['Patient-example.json', 'ImagingStudy-example.json', 'Observation-example.json']) {
    const r = example(file);
    const res = await request(server.app).put(`/fhir/${r.resourceType}/${r.id}`).set('Content-Type', 'application/fhir+json').send(r);
    expect(res.status).toBeLessThan(300);
  }
});
afterAll(() => server.close());

describe('read', () => {
  it('_summary=true keeps the summary elements at every level and tags SUBSETTED', async () => {
    const res = await get('ImagingStudy/example?_summary=true');
    expect(res.status).toBe(200);
    expect(res.headers.etag).toBe('W/"1"');
    expect(res.body.text).toBeUndefined();
    expect(res.body.meta.versionId).toBe('1');
    expect(res.body.meta.tag).toEqual([SUBSETTED]);
    expect(keys(res.body.series[0])).toEqual(['bodySite', 'description', 'modality', 'number', 'numberOfInstances', 'uid']);
    const patient = await get('Patient/example?_summary=true');
    expect(patient.body.contact).toBeUndefined();
    expect(patient.body._birthDate.extension[0].url).toBe('http://hl7.org/fhir/StructureDefinition/patient-birthTime');
    expect(patient.body.name).toHaveLength(3);
  });

  it('_summary=text, _summary=data and _elements; vread too; a plain read is whole and untagged', async () => {
    expect(keys((await get('ImagingStudy/example?_summary=text')).body)).toEqual(['id', 'meta', 'resourceType', 'status', 'subject', 'text']);
    const data = (await get('Patient/example?_summary=data')).body;
    expect(data.text).toBeUndefined();
    expect(data.contact).toHaveLength(1);
    expect(keys((await get('Patient/example?_elements=birthDate,unknownThing')).body)).toEqual(['_birthDate', 'birthDate', 'id', 'meta', 'resourceType']);
    expect(keys((await get('Observation/example/_history/1?_elements=value')).body)).toEqual(
      ['code', 'id', 'meta', 'resourceType', 'status', 'valueQuantity'],
    );
    const whole = (await get('Patient/example')).body;
    expect(whole.contact).toHaveLength(1);
    expect(whole.meta.tag).toBeUndefined();
  });

  it('answers 400 to an unknown _summary value', async () => {
    const res = await get('Patient/example?_summary=maybe');
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });
});

describe('search', () => {
  it('applies _summary=true to every entry', async () => {
    const res = await get('Patient?_id=example&_summary=true');
    expect(res.status).toBe(200);
    const patient = res.body.entry[0].resource;
    expect(patient.text).toBeUndefined();
    expect(patient.contact).toBeUndefined();
    expect(patient.meta.tag).toEqual([SUBSETTED]);
  });

  it('applies _elements to matches and, with a type prefix, to included resources', async () => {
    const res = await get('Observation?_id=example&_include=Observation:subject&_elements=value,Patient.gender');
    expect(res.status).toBe(200);
    const byType = Object.fromEntries(res.body.entry.map((e: { resource: { resourceType: string } }) => [e.resource.resourceType, e.resource]));
    expect(keys(byType.Observation)).toEqual(['code', 'id', 'meta', 'resourceType', 'status', 'valueQuantity']);
    expect(keys(byType.Patient)).toEqual(['gender', 'id', 'meta', 'resourceType']);
  });

  it('_summary=count answers the total without entries; _summary=text with _include is refused', async () => {
    const count = await get('Patient?_summary=count');
    expect(count.body.total).toBe(1);
    expect(count.body.entry ?? []).toHaveLength(0);
    const bad = await get('Observation?_summary=text&_include=Observation:subject');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('_include');
  });
});
