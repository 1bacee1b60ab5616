import type { Bundle, OperationOutcome, Parameters, Patient } from '@medplum/fhirtypes';
import { FHIR_JSON, startBundleTestServer, type BundleTestServer } from './bundle-test-helpers';

let server: BundleTestServer;
beforeAll(async () => {
  server = await startBundleTestServer();
});
afterAll(async () => {
  await server.close();
});

const JSON_PATCH = 'application/json-patch+json';

async function createPatient(body: Partial<Patient> = {}): Promise<Patient> {
  const res = await server.http
    .post('/fhir/Patient')
    .set('Content-Type', FHIR_JSON)
    .send(JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Patch', given: ['A', 'B'] }], active: true, ...body }));
  expect(res.status).toBe(201);
  return res.body as Patient;
}

const patch = (url: string, body: unknown, type = JSON_PATCH, headers: Record<string, string> = {}) =>
  server.http.patch(url).set('Content-Type', type).set(headers).send(JSON.stringify(body));

describe('PATCH with JSON Patch', () => {
  it('applies every op, stores a new version and answers ETag and the resource', async () => {
    const p = await createPatient();
    const res = await patch(`/fhir/Patient/${p.id}`, [
      { op: 'test', path: '/active', value: true },
      { op: 'replace', path: '/active', value: false },
      { op: 'add', path: '/name/0/given/-', value: 'C' },
      { op: 'remove', path: '/name/0/given/0' },
      { op: 'copy', from: '/name/0', path: '/name/-' },
      { op: 'move', from: '/name/1/family', path: '/name/1/text' },
      { op: 'add', path: '/gender', value: 'other' },
    ]);
    expect(res.status).toBe(200);
    expect(res.headers.etag).toBe('W/"2"');
    const body = res.body as Patient;
    expect(body.active).toBe(false);
    expect(body.gender).toBe('other');
    expect(body.name).toEqual([{ family: 'Patch', given: ['B', 'C'] }, { text: 'Patch', given: ['B', 'C'] }]);
    const history = await server.http.get(`/fhir/Patient/${p.id}/_history`);
    expect((history.body as Bundle).entry?.[0].request?.method).toBe('PATCH');
  });

  it('answers 422 for a failed test, 400 for a bad op, and changes nothing', async () => {
    const p = await createPatient();
    const failed = await patch(`/fhir/Patient/${p.id}`, [{ op: 'replace', path: '/active', value: false }, { op: 'test', path: '/active', value: true }]);
    expect(failed.status).toBe(422);
    expect((failed.body as OperationOutcome).resourceType).toBe('OperationOutcome');
    for (const body of [[{ op: 'jump', path: '/active' }], [{ op: 'remove', path: '/nothing' }], { op: 'add' }, [{ op: 'add', path: '/__proto__/x', value: 1 }]]) {
      expect((await patch(`/fhir/Patient/${p.id}`, body)).status).toBe(400);
    }
    const current = (await server.http.get(`/fhir/Patient/${p.id}`)).body as Patient;
    expect(current.meta?.versionId).toBe('1');
    expect(current.active).toBe(true);
  });

  it('refuses a result that is invalid or changes resourceType or id (422)', async () => {
    const p = await createPatient();
    expect((await patch(`/fhir/Patient/${p.id}`, [{ op: 'replace', path: '/id', value: 'other' }])).status).toBe(422);
    expect((await patch(`/fhir/Patient/${p.id}`, [{ op: 'replace', path: '/resourceType', value: 'Group' }])).status).toBe(422);
    const invalid = await patch(`/fhir/Patient/${p.id}`, [{ op: 'add', path: '/birthDate', value: '31/12/2000' }]);
    expect(invalid.status).toBe(422);
    expect(JSON.stringify(invalid.body)).toContain('Patient.birthDate');
    expect((await patch(`/fhir/Patient/${p.id}`, [{ op: 'add', path: '/unknownElement', value: 1 }])).status).toBe(422);
  });

  it('checks If-Match (412), answers 404/410 for unknown/deleted, and 415 for other media types', async () => {
    const p = await createPatient();
    expect((await patch(`/fhir/Patient/${p.id}`, [{ op: 'add', path: '/gender', value: 'male' }], JSON_PATCH, { 'If-Match': 'W/"7"' })).status).toBe(412);
    expect((await patch(`/fhir/Patient/${p.id}`, [{ op: 'add', path: '/gender', value: 'male' }], JSON_PATCH, { 'If-Match': 'W/"1"' })).status).toBe(200);
    expect((await patch('/fhir/Patient/nobody', [{ op: 'add', path: '/gender', value: 'male' }])).status).toBe(404);
    await server.http.delete(`/fhir/Patient/${p.id}`);
    expect((await patch(`/fhir/Patient/${p.id}`, [{ op: 'add', path: '/gender', value: 'male' }])).status).toBe(410);
    expect((await patch(`/fhir/Patient/${p.id}`, 'x', 'text/plain')).status).toBe(415);
  });

  it('conditional patch: one match is patched, none answers 404, several 412', async () => {
    const p = await createPatient({ identifier: [{ system: 'urn:patch', value: 'one' }] });
    await createPatient({ identifier: [{ system: 'urn:patch', value: 'two' }] });
    await createPatient({ identifier: [{ system: 'urn:patch', value: 'two' }] });
    const ok = await patch('/fhir/Patient?identifier=urn:patch|one', [{ op: 'add', path: '/gender', value: 'female' }]);
    expect(ok.status).toBe(200);
    expect((ok.body as Patient).id).toBe(p.id);
    expect((await patch('/fhir/Patient?identifier=urn:patch|none', [{ op: 'add', path: '/gender', value: 'female' }])).status).toBe(404);
    expect((await patch('/fhir/Patient?identifier=urn:patch|two', [{ op: 'add', path: '/gender', value: 'female' }])).status).toBe(412);
  });
});

describe('PATCH with FHIRPath Patch', () => {
  const op = (type: string, path: string, parts: NonNullable<Parameters['parameter']> = []) => ({
    name: 'operation',
    part: [{ name: 'type', valueCode: type }, { name: 'path', valueString: path }, ...parts],
  });

  it('applies add, insert, replace, move and delete', async () => {
    const p = await createPatient({ identifier: [{ system: 's', value: '1' }] });
    const body: Parameters = {
      resourceType: 'Parameters',
      parameter: [
        op('add', 'Patient', [{ name: 'name', valueString: 'birthDate' }, { name: 'value', valueDate: '1990-01-01' }]),
        op('insert', 'Patient.identifier', [{ name: 'value', valueIdentifier: { system: 's', value: '0' } }, { name: 'index', valueInteger: 0 }]),
        op('replace', 'Patient.name.family', [{ name: 'value', valueString: 'Patched' }]),
        op('move', 'Patient.name.given', [{ name: 'source', valueInteger: 1 }, { name: 'destination', valueInteger: 0 }]),
        op('delete', 'Patient.active'),
      ],
    };
    const res = await patch(`/fhir/Patient/${p.id}`, body, FHIR_JSON);
    expect(res.status).toBe(200);
    const patched = res.body as Patient;
    expect(patched.birthDate).toBe('1990-01-01');
    expect(patched.identifier?.map((i) => i.value)).toEqual(['0', '1']);
    expect(patched.name?.[0]).toEqual({ family: 'Patched', given: ['B', 'A'] });
    expect(patched.active).toBeUndefined();
  });

  it('refuses bad operations (400), inapplicable ones (422) and polluting paths (400)', async () => {
    const p = await createPatient();
    const params = (...parameter: NonNullable<Parameters['parameter']>): Parameters => ({ resourceType: 'Parameters', parameter });
    expect((await patch(`/fhir/Patient/${p.id}`, params(op('explode', 'Patient')), FHIR_JSON)).status).toBe(400);
    expect((await patch(`/fhir/Patient/${p.id}`, params(op('replace', 'Patient.name.given', [{ name: 'value', valueString: 'x' }])), FHIR_JSON)).status).toBe(422);
    expect((await patch(`/fhir/Patient/${p.id}`, params(op('delete', 'Patient.constructor')), FHIR_JSON)).status).toBe(400);
    expect((await patch(`/fhir/Patient/${p.id}`, params(op('replace', 'Patient.gender', [{ name: 'value', valueCode: 'x' }])), FHIR_JSON)).status).toBe(422);
  });
});

describe('PATCH inside a transaction', () => {
  const op = (type: string, path: string, parts: NonNullable<Parameters['parameter']> = []) => ({
    name: 'operation',
    part: [{ name: 'type', valueCode: type }, { name: 'path', valueString: path }, ...parts],
  });

  it('takes JSON Patch as a Binary and FHIRPath Patch as Parameters', async () => {
    const p = await createPatient();
    const other = await createPatient();
    const jsonPatch = Buffer.from(JSON.stringify([{ op: 'add', path: '/gender', value: 'male' }])).toString('base64');
    const res = await server.http
      .post('/fhir')
      .set('Content-Type', FHIR_JSON)
      .send(
        JSON.stringify({
          resourceType: 'Bundle',
          type: 'transaction',
          entry: [
            { resource: { resourceType: 'Binary', contentType: 'application/json-patch+json', data: jsonPatch }, request: { method: 'PATCH', url: `Patient/${p.id}` } },
            {
              resource: { resourceType: 'Parameters', parameter: [op('replace', 'Patient.name.family', [{ name: 'value', valueString: 'ViaTx' }])] },
              request: { method: 'PATCH', url: `Patient?_id=${other.id}` },
            },
          ],
        }),
      );
    expect(res.status).toBe(200);
    expect((res.body as Bundle).entry?.[0].response?.etag).toBe('W/"2"');
    expect(((await server.http.get(`/fhir/Patient/${p.id}`)).body as Patient).gender).toBe('male');
    expect(((await server.http.get(`/fhir/Patient/${other.id}`)).body as Patient).name?.[0].family).toBe('ViaTx');
  });
});
