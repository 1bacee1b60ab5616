import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OperationOutcome, Parameters, Patient } from '@medplum/fhirtypes';
import { createHttpApp } from '../../src/http/create-http-app';
import { FHIR_JSON, startBundleTestServer, type BundleTestServer } from './bundle-test-helpers';

let server: BundleTestServer;
let listener: Server;
let base: string;
beforeAll(async () => {
  server = await startBundleTestServer();
  listener = createHttpApp(server.app.ctx, server.app.router).listen(0, '127.0.0.1');
  await new Promise((resolve) => listener.once('listening', resolve));
  base = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => listener.close(resolve));
  await server.close();
});

const JSON_PATCH = 'application/json-patch+json';

async function createPatient(body: Partial<Patient> = {}): Promise<Patient> {
  const res = await server.http.post('/fhir/Patient').set('Content-Type', FHIR_JSON).send(JSON.stringify({ resourceType: 'Patient', active: true, ...body }));
  expect(res.status).toBe(201);
  return res.body as Patient;
}

const patch = (url: string, body: unknown, type = JSON_PATCH, headers: Record<string, string> = {}) =>
  server.http.patch(url).set('Content-Type', type).set(headers).send(JSON.stringify(body));

const EXTENSION = { url: 'http://example.org/fhir/StructureDefinition/amplify', valueString: 'a value that doubles with every copy' };

/** Sends the patch over a real socket and, while it runs, asks /healthz: both times in ms. */
async function patchWhileProbing(url: string, body: unknown): Promise<{ status: number; outcome: OperationOutcome; patchMs: number; healthMs: number }> {
  const started = Date.now();
  const patched = fetch(`${base}${url}`, { method: 'PATCH', headers: { 'Content-Type': JSON_PATCH }, body: JSON.stringify(body) });
  const health = fetch(`${base}/healthz`).then((r) => {
    expect(r.status).toBe(200);
    return Date.now() - started;
  });
  const res = await patched;
  const patchMs = Date.now() - started;
  return { status: res.status, outcome: (await res.json()) as OperationOutcome, patchMs, healthMs: await health };
}

describe('PATCH cannot amplify a resource', () => {
  for (const copies of [21, 24]) {
    it(`refuses ${copies} doubling copies quickly, at the operation that crosses the limit, and /healthz still answers`, async () => {
      const p = await createPatient({ extension: [EXTENSION] });
      const body = Array.from({ length: copies }, () => ({ op: 'copy', from: '/extension', path: '/extension/-' }));
      const { status, outcome, patchMs, healthMs } = await patchWhileProbing(`/fhir/Patient/${p.id}`, body);
      expect(status).toBe(413);
      expect(outcome.issue[0].code).toBe('too-costly');
      expect(outcome.issue[0].diagnostics).toMatch(/JSON Patch operation \d+ \(copy\)/);
      // About 0.2 s on an idle machine (it was minutes); the bound leaves room for a loaded test machine.
      expect(patchMs).toBeLessThan(2500);
      expect(healthMs).toBeLessThan(2500);
      const current = (await server.http.get(`/fhir/Patient/${p.id}`)).body as Patient;
      expect(current.meta?.versionId).toBe('1');
    });
  }

  it('still applies a patch whose result stays within the limits', async () => {
    const p = await createPatient({ extension: [EXTENSION] });
    const body = Array.from({ length: 4 }, () => ({ op: 'copy', from: '/extension/0', path: '/extension/-' }));
    const res = await patch(`/fhir/Patient/${p.id}`, body);
    expect(res.status).toBe(200);
    expect((res.body as Patient).extension).toHaveLength(5);
  });

  it('refuses a FHIRPath Patch whose nested selects would take too long (422 too-costly), quickly', async () => {
    const p = await createPatient({ name: Array.from({ length: 10 }, (_, i) => ({ family: `F${i}`, given: ['G'] })) });
    const nested = 'Patient.name' + '.select(%resource.name'.repeat(6) + ')'.repeat(6) + '.family';
    const body: Parameters = {
      resourceType: 'Parameters',
      parameter: [{ name: 'operation', part: [{ name: 'type', valueCode: 'delete' }, { name: 'path', valueString: nested }] }],
    };
    expect(JSON.stringify(body).length).toBeLessThan(600);
    const started = Date.now();
    const res = await patch(`/fhir/Patient/${p.id}`, body, FHIR_JSON);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(res.status).toBe(422);
    expect((res.body as OperationOutcome).issue[0].code).toBe('too-costly');
  });
});

describe('PATCH details', () => {
  it('an empty JSON Patch (or one that changes nothing) answers the current version and writes none', async () => {
    const p = await createPatient();
    for (const body of [[], [{ op: 'test', path: '/active', value: true }], [{ op: 'replace', path: '/active', value: true }]]) {
      const res = await patch(`/fhir/Patient/${p.id}`, body);
      expect(res.status).toBe(200);
      expect(res.headers.etag).toBe('W/"1"');
      expect((res.body as Patient).meta?.versionId).toBe('1');
    }
    const history = await server.http.get(`/fhir/Patient/${p.id}/_history`);
    expect(history.body.total).toBe(1);
  });

  it('If-Match: * patches an existing resource', async () => {
    const p = await createPatient();
    const res = await patch(`/fhir/Patient/${p.id}`, [{ op: 'add', path: '/gender', value: 'male' }], JSON_PATCH, { 'If-Match': '*' });
    expect(res.status).toBe(200);
    expect(res.headers.etag).toBe('W/"2"');
  });

  it('refuses a patch that leaves two contained resources with the same id (422)', async () => {
    const p = await createPatient({ contained: [{ resourceType: 'Organization', id: 'o1', name: 'A' }] });
    const res = await patch(`/fhir/Patient/${p.id}`, [{ op: 'copy', from: '/contained/0', path: '/contained/-' }]);
    expect(res.status).toBe(422);
    expect(JSON.stringify(res.body)).toContain('o1');
  });

  it('recomputes on the new version when another write lands between its read and its write', async () => {
    const p = await createPatient({ name: [{ family: 'Race' }] });
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) => patch(`/fhir/Patient/${p.id}`, [{ op: 'add', path: '/name/-', value: { family: `N${i}` } }])),
    );
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    const current = (await server.http.get(`/fhir/Patient/${p.id}`)).body as Patient;
    expect(current.name).toHaveLength(6);
    expect(current.meta?.versionId).toBe('6');
  });
});
