import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { startTestServer, type TestServer } from './test-server';

const EXAMPLES = join(require.resolve('hl7.fhir.r4.examples/package.json'), '..');
const TYPES = ['Patient', 'ImagingStudy', 'ServiceRequest', 'DiagnosticReport', 'Observation', 'Endpoint', 'Organization', 'Practitioner'];

/**
 * Examples of these types that the server must refuse, with the reason (the same list as the validator's
 * own test of every R4 example, src/fhir/validation/validator-examples.test.ts).
 */
const REJECTED: Record<string, { status: number; reason: string }> = {
  'Observation-clinical-gender.json': { status: 422, reason: 'performer references Encounter/example, not an allowed performer type' },
};

const files = readdirSync(EXAMPLES)
  .filter((f) => TYPES.some((t) => f.startsWith(`${t}-`)) && f.endsWith('.json'))
  .sort();

let server: TestServer;
beforeAll(() => {
  server = startTestServer();
});
afterAll(() => server.close());

/** The resource without the server-assigned meta fields (and without meta when nothing else is left). */
function comparable(resource: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...resource };
  const meta = { ...((copy.meta as Record<string, unknown> | undefined) ?? {}) };
  delete meta.versionId;
  delete meta.lastUpdated;
  if (Object.keys(meta).length === 0) delete copy.meta;
  else copy.meta = meta;
  return copy;
}

it('finds examples of every required type', () => {
  for (const type of TYPES) expect(files.some((f) => f.startsWith(`${type}-`))).toBe(true);
});

it.each(files)('%s is stored and read back equal apart from meta', async (file) => {
  const example = JSON.parse(readFileSync(join(EXAMPLES, file), 'utf8')) as Record<string, unknown>;
  const type = example.resourceType as string;
  expect(TYPES).toContain(type);
  const id = example.id as string | undefined;
  const write = id
    ? request(server.app).put(`/fhir/${type}/${id}`)
    : request(server.app).post(`/fhir/${type}`);
  const res = await write.set('Content-Type', 'application/fhir+json').send(example);
  const rejected = REJECTED[file];
  if (rejected) {
    expect(res.status).toBe(rejected.status);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect((await request(server.app).get(`/fhir/${type}/${id}`)).status).toBe(404);
    return;
  }
  if (res.status >= 300) throw new Error(`${file}: ${res.status} ${JSON.stringify(res.body).slice(0, 500)}`);
  const read = await request(server.app).get(`/fhir/${type}/${res.body.id}`);
  expect(read.status).toBe(200);
  const expected = comparable(example);
  if (!id) expected.id = res.body.id;
  expect(comparable(read.body)).toEqual(expected);
});
