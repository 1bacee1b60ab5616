import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import request from 'supertest';
import { AccessDecision } from '../../src/access/access-decision';
import { MASKED_CODE, MASKED_SYSTEM } from '../../src/access/masking';
import { createApp, type LucarneApp } from '../../src/app';
import { loadConfig } from '../../src/config/load-config';
import type { Caller } from '../../src/fhir/rest/caller';
import { createHttpApp } from '../../src/http/create-http-app';
import { AsTestCaller, testCaller } from './test-caller';

/**
 * user/ scopes of a professional: the patients in their care (here through their organisation, which
 * manages the patient), less a patient who opposed them (Consent) and less what is masked from
 * professionals; break-the-glass sees every other patient, and still not the opposed one.
 */

const JSON_TYPE = 'application/fhir+json';
const report = (id: string, patient: string, masked = false): Resource => ({
  resourceType: 'DiagnosticReport', id, status: 'final', code: { text: 'CT' }, subject: { reference: `Patient/${patient}` },
  ...(masked ? { meta: { security: [{ system: MASKED_SYSTEM, code: MASKED_CODE }] } } : {}),
});
const records: Resource[] = [
  { resourceType: 'Organization', id: 'chu', name: 'CHU' },
  { resourceType: 'Practitioner', id: 'dr', name: [{ family: 'House' }] },
  { resourceType: 'PractitionerRole', id: 'dr-chu', active: true, practitioner: { reference: 'Practitioner/dr' }, organization: { reference: 'Organization/chu' } },
  { resourceType: 'Patient', id: 'cared', managingOrganization: { reference: 'Organization/chu' } },
  { resourceType: 'Patient', id: 'opposed', managingOrganization: { reference: 'Organization/chu' } },
  { resourceType: 'Patient', id: 'stranger' },
  report('r-cared', 'cared'),
  report('r-masked', 'cared', true),
  report('r-opposed', 'opposed'),
  report('r-stranger', 'stranger'),
  {
    resourceType: 'Consent', id: 'no-dr', status: 'active', scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
    category: [{ text: 'opposition' }], patient: { reference: 'Patient/opposed' },
    provision: { type: 'deny', actor: [{ role: { text: 'professional' }, reference: { reference: 'Practitioner/dr' } }] },
  } as Resource,
];

describe('a professional confined to the patients in their care', () => {
  let app: LucarneApp;
  let access: AsTestCaller;
  let http: ReturnType<typeof request>;
  let dir: string;
  const doctor = (extra: Partial<Caller> = {}): Caller => ({ scopes: ['user/*.rs'], purposeOfUse: [], user: 'Practitioner/dr', ...extra });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lucarne-professional-'));
    const config = loadConfig({ env: { LUCARNE_DATA_DIR: dir, LUCARNE_HOST: '127.0.0.1', LUCARNE_WRITER_THREAD: 'false', LOG_LEVEL: 'silent', LUCARNE_AUTH: 'open' } });
    access = new AsTestCaller(new AccessDecision(() => app.ctx));
    app = await createApp(config, { root: join(__dirname, '..', '..'), durability: 'normal', access });
    http = request(createHttpApp(app.ctx, app.router));
    access.caller = testCaller('system/*.cruds');
    for (const r of records) {
      const res = await http.put(`/fhir/${r.resourceType}/${r.id}`).set('Content-Type', JSON_TYPE).send(r);
      expect([r.id, res.status]).toEqual([r.id, 201]);
    }
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const ids = (res: request.Response) => ((res.body as Bundle).entry ?? []).map((e) => e.resource?.id).sort();

  it('sees the patients in their care and nothing masked, not the opposed patient nor a stranger', async () => {
    access.caller = doctor();
    const reports = await http.get('/fhir/DiagnosticReport?_total=accurate');
    expect([ids(reports), (reports.body as Bundle).total]).toEqual([['r-cared'], 1]);
    expect(ids(await http.get('/fhir/Patient'))).toEqual(['cared']);
    for (const path of ['Patient/opposed', 'Patient/stranger', 'DiagnosticReport/r-masked', 'DiagnosticReport/r-opposed', 'DiagnosticReport/r-stranger']) {
      expect([path, (await http.get(`/fhir/${path}`).set('Accept-Encoding', '')).status]).toEqual([path, 404]);
    }
    expect((await http.get('/fhir/DiagnosticReport/r-cared').set('Accept-Encoding', '')).status).toBe(200);
  });

  it('sees the EHR launch\'s patient too', async () => {
    access.caller = doctor({ patient: 'stranger' });
    expect(ids(await http.get('/fhir/DiagnosticReport'))).toEqual(['r-cared', 'r-stranger']);
  });

  it('with break-the-glass sees every patient but the one who opposed them, and still nothing masked', async () => {
    access.caller = doctor({ purposeOfUse: ['ETREAT'], breakTheGlassReason: 'unconscious patient in the emergency room' });
    expect(ids(await http.get('/fhir/DiagnosticReport'))).toEqual(['r-cared', 'r-stranger']);
    expect((await http.get('/fhir/Patient/opposed')).status).toBe(404);
    access.caller = doctor({ purposeOfUse: ['ETREAT'] });
    expect(ids(await http.get('/fhir/DiagnosticReport'))).toEqual(['r-cared']);
  });

  it('refuses user/ scopes without a professional or patient behind them', async () => {
    access.caller = { scopes: ['user/*.rs'], purposeOfUse: [] };
    expect((await http.get('/fhir/Patient')).status).toBe(403);
  });

  it('a patient\'s own account with user/ scopes sees its record, masked reports included', async () => {
    access.caller = { scopes: ['user/*.rs'], purposeOfUse: [], user: 'Patient/cared' };
    expect(ids(await http.get('/fhir/DiagnosticReport'))).toEqual(['r-cared', 'r-masked']);
  });
});
