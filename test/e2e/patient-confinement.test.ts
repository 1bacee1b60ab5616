import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import request from 'supertest';
import { AccessDecision } from '../../src/access/access-decision';
import { createApp, type LucarneApp } from '../../src/app';
import { loadConfig } from '../../src/config/load-config';
import { createHttpApp } from '../../src/http/create-http-app';
import { AsTestCaller, testCaller } from './test-caller';

/**
 * A patient-context token (patient/ scopes, patient A in context) reaching for patient B by every path:
 * each must answer as if B's record did not exist, while A's own records, those of A's linked record (A2)
 * and the shared resources stay reachable.
 */

const JSON_TYPE = 'application/fhir+json';
const SECRET = 'http://loinc.org|secret-b';

const records: Resource[] = [
  { resourceType: 'Organization', id: 'org1', name: 'CHU' },
  { resourceType: 'Patient', id: 'a', name: [{ family: 'Alpha' }], managingOrganization: { reference: 'Organization/org1' } },
  { resourceType: 'Patient', id: 'a2', name: [{ family: 'Alpha' }], link: [{ other: { reference: 'Patient/a' }, type: 'seealso' }] },
  { resourceType: 'Patient', id: 'b', name: [{ family: 'Bravo' }] },
  { resourceType: 'Observation', id: 'oa', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: 'mine' }] }, subject: { reference: 'Patient/a' } },
  { resourceType: 'Observation', id: 'oa2', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: 'mine' }] }, subject: { reference: 'Patient/a2' } },
  { resourceType: 'Observation', id: 'ob', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: 'secret-b' }] }, subject: { reference: 'Patient/b' } },
  { resourceType: 'Provenance', id: 'pb', target: [{ reference: 'Observation/ob' }, { reference: 'Patient/b' }], recorded: '2026-01-01T00:00:00Z', agent: [{ who: { reference: 'Organization/org1' } }] } as Resource,
];

describe('a patient-context token confined to its patient\'s record', () => {
  let app: LucarneApp;
  let access: AsTestCaller;
  let http: ReturnType<typeof request>;
  let dir: string;
  const asPatientA = () => (access.caller = testCaller('launch/patient patient/*.cruds', 'a'));
  const asSystem = () => (access.caller = testCaller('system/*.cruds'));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lucarne-confined-'));
    const config = loadConfig({ env: { LUCARNE_DATA_DIR: dir, LUCARNE_HOST: '127.0.0.1', LUCARNE_WRITER_THREAD: 'false', LOG_LEVEL: 'silent' } });
    access = new AsTestCaller(new AccessDecision(() => app.ctx));
    app = await createApp(config, { root: join(__dirname, '..', '..'), durability: 'normal', access });
    http = request(createHttpApp(app.ctx, app.router));
    asSystem();
    for (const r of records) {
      const res = await http.put(`/fhir/${r.resourceType}/${r.id}`).set("Content-Type", JSON_TYPE).send(r);
      expect([r.id, res.status, res.status === 201 ? "" : JSON.stringify(res.body)]).toEqual([r.id, 201, ""]);
    }
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(asPatientA);

  const refs = (res: request.Response) => ((res.body as Bundle).entry ?? []).map((e) => `${e.resource?.resourceType}/${e.resource?.id}`).sort();

  it('reads its own records, its linked record and shared resources, and gets 404 for the other patient\'s', async () => {
    for (const path of ['Patient/a', 'Patient/a2', 'Observation/oa', 'Observation/oa2', 'Organization/org1']) {
      expect([path, (await http.get(`/fhir/${path}`).set('Accept-Encoding', '')).status]).toEqual([path, 200]);
    }
    for (const path of ['Patient/b', 'Observation/ob', 'Provenance/pb', 'Patient/b?_summary=true', 'Observation/ob/_history/1', 'Patient/b/_history/1']) {
      expect([path, (await http.get(`/fhir/${path}`).set('Accept-Encoding', '')).status]).toEqual([path, 404]);
    }
  });

  it('searches find and count only its records, whatever the parameters, includes, chains and _has', async () => {
    const search = await http.get('/fhir/Observation?_total=accurate').set('Accept-Encoding', '');
    expect(refs(search)).toEqual(['Observation/oa', 'Observation/oa2']);
    expect((search.body as Bundle).total).toBe(2);
    const secret = await http.get(`/fhir/Observation?code=${encodeURIComponent(SECRET)}&_total=accurate`);
    expect([refs(secret), (secret.body as Bundle).total]).toEqual([[], 0]);
    expect(refs(await http.get('/fhir/Observation?subject=Patient/b'))).toEqual([]);
    expect(refs(await http.get('/fhir/Observation?subject.name=Bravo'))).toEqual([]);
    expect(refs(await http.get(`/fhir/Patient?_has:Observation:subject:code=${encodeURIComponent(SECRET)}`))).toEqual([]);
    expect(refs(await http.get('/fhir/Patient?family=Bravo'))).toEqual([]);
    expect(refs(await http.get('/fhir/Patient?_revinclude=Observation:subject&_revinclude=Provenance:target'))).toEqual(['Observation/oa', 'Observation/oa2', 'Patient/a', 'Patient/a2']);
    expect(refs(await http.get('/fhir/Observation?_include=Observation:subject'))).toEqual(['Observation/oa', 'Observation/oa2', 'Patient/a', 'Patient/a2']);
    expect(refs(await http.get('/fhir/Patient/b/Observation'))).toEqual([]);
    expect(refs(await http.get('/fhir/Patient/a/Observation'))).toEqual(['Observation/oa']);
    expect(refs(await http.post('/fhir/Observation/_search').type('form').send(`code=${encodeURIComponent(SECRET)}`))).toEqual([]);
  });

  it('sees no history of the other patient\'s records, and no history across resources', async () => {
    expect(((await http.get('/fhir/Observation/ob/_history')).body as Bundle).entry ?? []).toEqual([]);
    expect((await http.get('/fhir/Observation/_history')).status).toBe(403);
    expect((await http.get('/fhir/_history')).status).toBe(403);
    expect(((await http.get('/fhir/Observation/oa/_history')).body as Bundle).entry).toHaveLength(1);
  });

  it('cannot write into, change or delete the other patient\'s record, directly or conditionally', async () => {
    const intoB = { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/b' } };
    expect((await http.post('/fhir/Observation').set('Content-Type', JSON_TYPE).send(intoB)).status).toBe(403);
    expect((await http.put('/fhir/Observation/ob').set('Content-Type', JSON_TYPE).send({ ...intoB, id: 'ob', subject: { reference: 'Patient/a' } })).status).toBe(403);
    await http.delete('/fhir/Observation/ob');
    expect((await http.delete(`/fhir/Observation?code=${encodeURIComponent(SECRET)}`)).status).toBeLessThan(300);
    const mine = { resourceType: 'Observation', status: 'final', code: { text: 'mine too' }, subject: { reference: 'Patient/a' } };
    expect((await http.post('/fhir/Observation').set('Content-Type', JSON_TYPE).set('If-None-Exist', `code=${encodeURIComponent(SECRET)}`).send(mine)).status).toBe(201);
    asSystem();
    expect((await http.get('/fhir/Observation/ob')).status).toBe(200);
    expect((await http.get('/fhir/Observation/ob')).body.subject.reference).toBe('Patient/b');
  });

  it('batch and transaction entries are confined each on their own', async () => {
    const batch = {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [{ request: { method: 'GET', url: 'Patient/b' } }, { request: { method: 'GET', url: 'Patient/a' } }, { request: { method: 'GET', url: 'Observation?subject=Patient/b' } }],
    };
    const res = await http.post('/fhir').set('Content-Type', JSON_TYPE).send(batch);
    const entries = (res.body as Bundle).entry ?? [];
    expect(entries.map((e) => e.response?.status.slice(0, 3))).toEqual(['404', '200', '200']);
    expect((entries[2].resource as Bundle).entry ?? []).toEqual([]);
    const transaction = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { request: { method: 'POST', url: 'Observation' }, resource: { resourceType: 'Observation', status: 'final', code: { text: 'ok' }, subject: { reference: 'Patient/a' } } },
        { request: { method: 'PUT', url: 'Observation/ob' }, resource: { resourceType: 'Observation', id: 'ob', status: 'final', code: { text: 'hijack' }, subject: { reference: 'Patient/b' } } },
      ],
    };
    expect((await http.post('/fhir').set('Content-Type', JSON_TYPE).send(transaction)).status).toBe(403);
    asSystem();
    expect((await http.get('/fhir/Observation?code:text=ok')).body.entry ?? []).toEqual([]);
  });

  it('operations on the other patient answer 404, and on its own patient bring only its records', async () => {
    for (const path of ['Patient/b/$everything', 'Patient/b/$imaging-record', 'Patient/b/$dose-summary']) {
      expect([path, (await http.get(`/fhir/${path}`)).status]).toEqual([path, 404]);
    }
    const everything = await http.get('/fhir/Patient/a/$everything');
    expect(everything.status).toBe(200);
    expect(refs(everything).filter((r) => r.includes('/b') || r.endsWith('/ob') || r.endsWith('/pb'))).toEqual([]);
    expect(refs(everything)).toEqual(expect.arrayContaining(['Observation/oa', 'Observation/oa2', 'Patient/a']));
  });
});
