import type { OperationOutcome } from '@medplum/fhirtypes';
import { FHIR_JSON, startBundleTestServer, type BundleTestServer } from './bundle-test-helpers';

let server: BundleTestServer;
beforeAll(async () => {
  server = await startBundleTestServer();
});
afterAll(async () => {
  await server.close();
});

const post = (path: string, body: unknown) => server.http.post(`/fhir/${path}`).set('Content-Type', FHIR_JSON).send(JSON.stringify(body));

const OPERATIONS = [
  'ValueSet/$expand',
  'ValueSet/$validate-code',
  'CodeSystem/$validate-code',
  'CodeSystem/$lookup',
  'CodeSystem/$subsumes',
  'Observation/$dose-statistics',
  'Patient/p1/$imaging-record',
  'Patient/p1/$everything',
  'Patient/p1/$dose-summary',
];

const BAD_SHAPES: [string, unknown][] = [
  ['a resource that is not Parameters', { resourceType: 'Patient', name: [{ family: 'X' }] }],
  ['parameter as a string', { resourceType: 'Parameters', parameter: 'x' }],
  ['parameter [null, 5]', { resourceType: 'Parameters', parameter: [null, 5] }],
  ['a parameter without a name', { resourceType: 'Parameters', parameter: [{ valueString: 'x' }] }],
  ['a part that is not an array', { resourceType: 'Parameters', parameter: [{ name: 'coding', part: { name: 'x' } }] }],
  ['an undeclared parameter', { resourceType: 'Parameters', parameter: [{ name: 'noSuchParameter', valueString: 'x' }] }],
];

async function expect400(path: string, body: unknown): Promise<OperationOutcome> {
  const res = await post(path, body);
  expect({ path, status: res.status }).toEqual({ path, status: 400 });
  const outcome = res.body as OperationOutcome;
  expect(outcome.resourceType).toBe('OperationOutcome');
  expect(outcome.issue[0].severity).toBe('error');
  return outcome;
}

describe('operation bodies are checked before the operation runs (400, never 500)', () => {
  for (const [label, body] of BAD_SHAPES) {
    it(`refuses ${label} on every operation`, async () => {
      for (const path of OPERATIONS) await expect400(path, body);
    });
  }

  it('$validate takes a resource as its body, but refuses a malformed Parameters', async () => {
    for (const [, body] of BAD_SHAPES.slice(1)) await expect400('Patient/$validate', body);
    const valid = await post('Patient/$validate', { resourceType: 'Patient', name: [{ family: 'X' }] });
    expect(valid.status).toBe(200);
  });

  it('checks the declared types and cardinalities of the OperationDefinition', async () => {
    const params = (...parameter: object[]) => ({ resourceType: 'Parameters', parameter });
    const wrongType = await expect400('CodeSystem/$lookup', params({ name: 'code', valueInteger: 5 }));
    expect(wrongType.issue[0].diagnostics).toMatch(/'code' must be valueCode or valueString/);
    const notString = await expect400('CodeSystem/$lookup', params({ name: 'code', valueCode: 5 }));
    expect(notString.issue[0].diagnostics).toMatch(/must be a non-empty string/);
    const twice = await expect400('ValueSet/$expand', params({ name: 'filter', valueString: 'a' }, { name: 'filter', valueString: 'b' }));
    expect(twice.issue[0].diagnostics).toMatch(/at most 1/);
    const twoValues = await expect400('ValueSet/$expand', params({ name: 'filter', valueString: 'a', valueCode: 'b' }));
    expect(twoValues.issue[0].diagnostics).toMatch(/exactly one/);
    const notResource = await expect400('ValueSet/$expand', params({ name: 'valueSet', resource: 'x' }));
    expect(notResource.issue[0].diagnostics).toMatch(/must be a resource/);
    const required = await expect400('Observation/$dose-statistics', params({ name: 'metric', valueCode: 'ctdivol' }));
    expect(required.issue[0].diagnostics).toMatch(/'code' .* is required/);
    const resourceParam = await expect400('Patient/$validate', params({ name: 'mode', valueCode: 'create' }, { name: 'resource', valueString: 'x' }));
    expect(resourceParam.issue[0].diagnostics).toMatch(/'resource' must be resource/);
  });

  it('still runs an operation whose Parameters are right', async () => {
    const res = await post('CodeSystem/$lookup', {
      resourceType: 'Parameters',
      parameter: [
        { name: 'system', valueUri: 'http://hl7.org/fhir/administrative-gender' },
        { name: 'code', valueCode: 'male' },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.resourceType).toBe('Parameters');
  });
});
