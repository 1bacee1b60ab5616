import type { CapabilityStatement, OperationOutcome, Parameters, ValueSet } from '@medplum/fhirtypes';
import { CONFORMANCE_FOLDERS, readConformanceFolders } from '../../src/config/conformance-folders';
import { projectRoot } from '../../src/app';
import { registerTerminologyRoutes } from '../../src/fhir/operations/terminology-routes';
import { TerminologyService } from '../../src/fhir/terminology/terminology-service';
import { FHIR_JSON, startBundleTestServer, type BundleTestServer } from './bundle-test-helpers';

const MODALITY = 'https://lucarne.example/fhir/ValueSet/dicom-modality';
const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const CCAM = 'https://smt.esante.gouv.fr/terminologie-ccam';

let server: BundleTestServer;

beforeAll(async () => {
  server = await startBundleTestServer();
  const extra = readConformanceFolders(CONFORMANCE_FOLDERS, projectRoot()).resources;
  registerTerminologyRoutes(server.app.router, new TerminologyService(server.app.ctx.definitions, extra));
});
afterAll(() => server.close());

const get = (path: string) => server.http.get(`/fhir/${path}`);
const post = (path: string, body: unknown) => server.http.post(`/fhir/${path}`).set('Content-Type', FHIR_JSON).send(JSON.stringify(body));
const params = (...parameter: Parameters['parameter'] & object) => ({ resourceType: 'Parameters', parameter });
const value = (body: Parameters, name: string) => {
  const p = body.parameter?.find((x) => x.name === name) as Record<string, unknown> | undefined;
  return p && Object.entries(p).find(([k]) => k.startsWith('value'))?.[1];
};
const diagnostics = (body: OperationOutcome) => body.issue.map((i) => i.diagnostics).join(' ');

describe('ValueSet/$expand', () => {
  it('expands by url with filter, offset and count over GET', async () => {
    const res = await get(`ValueSet/$expand?url=${encodeURIComponent(MODALITY)}&offset=1&count=2`);
    expect(res.status).toBe(200);
    const vs = res.body as ValueSet;
    expect([vs.url, vs.expansion?.total, vs.expansion?.offset, vs.expansion?.contains?.map((c) => c.code)]).toEqual([MODALITY, 12, 1, ['MR', 'US']]);
    const filtered = (await get(`ValueSet/$expand?url=${encodeURIComponent(MODALITY)}&filter=mammo`)).body as ValueSet;
    expect(filtered.expansion?.contains?.map((c) => c.code)).toEqual(['MG']);
  });

  it('expands by POST Parameters, by instance id, and an inline ValueSet', async () => {
    const byPost = await post('ValueSet/$expand', params({ name: 'url', valueUri: MODALITY }, { name: 'count', valueInteger: 1 }));
    expect((byPost.body as ValueSet).expansion?.contains?.map((c) => c.code)).toEqual(['CT']);
    const byId = await get('ValueSet/imaging-act/$expand?filter=thorax');
    expect((byId.body as ValueSet).expansion?.contains?.map((c) => c.code)).toEqual(['ACQH002', 'ECQH010', 'ZBQK002', 'ZBQK001', 'ZBQH001', 'LJQK002', 'ECQH011', 'ZBQN001', 'ZBQJ001']);
    const inline = { resourceType: 'ValueSet', status: 'active', compose: { include: [{ system: CCAM, filter: [{ property: 'concept', op: 'is-a', value: '02.01.03' }] }] } };
    const res = await post('ValueSet/$expand', params({ name: 'valueSet', resource: inline as never }));
    expect((res.body as ValueSet).expansion?.contains?.map((c) => c.code)).toEqual(['02.01.03', 'BBQH001']);
  });

  it('refuses to store a ValueSet (405), and expands the same one sent inline', async () => {
    const valueSet = { resourceType: 'ValueSet', url: 'urn:test:stored', status: 'active', compose: { include: [{ system: DCM, concept: [{ code: 'NM' }, { code: 'PT' }] }] } };
    const created = await post('ValueSet', valueSet);
    expect(created.status).toBe(405);
    expect((created.body as OperationOutcome).issue[0].code).toBe('not-supported');
    expect((await get('ValueSet?url=urn:test:stored')).body.entry ?? []).toHaveLength(0);
    const inline = await post('ValueSet/$expand', params({ name: 'valueSet', resource: valueSet as never }));
    expect((inline.body as ValueSet).expansion?.contains?.map((c) => c.display)).toEqual(['Nuclear Medicine', 'Positron emission tomography']);
  });

  it('answers 404 for an unknown ValueSet and 400 for a missing or wrong-typed parameter', async () => {
    const unknown = await get('ValueSet/$expand?url=urn:test:nothing');
    expect(unknown.status).toBe(404);
    expect(diagnostics(unknown.body)).toContain('urn:test:nothing');
    expect((await get('ValueSet/no-such-id/$expand')).status).toBe(404);
    const missing = await get('ValueSet/$expand');
    expect([missing.status, (missing.body as OperationOutcome).issue[0].expression]).toEqual([400, ['url']]);
    const badCount = await get(`ValueSet/$expand?url=${encodeURIComponent(MODALITY)}&count=ten`);
    expect([badCount.status, diagnostics(badCount.body)]).toEqual([400, "Parameter 'count' must be an integer ≥ 0, not 'ten'"]);
    const badType = await post('ValueSet/$expand', params({ name: 'url', valueInteger: 3 }));
    expect(badType.status).toBe(400);
    expect(diagnostics(badType.body)).toContain("Parameter 'url' must be valueUri");
    const notParameters = await post('ValueSet/$expand', { resourceType: 'Patient' });
    expect(notParameters.status).toBe(400);
  });

  it('answers 404 naming a CodeSystem the server does not hold', async () => {
    const res = await get('ValueSet/imaging-body-site/$expand');
    expect(res.status).toBe(404);
    expect(diagnostics(res.body)).toContain('http://snomed.info/sct');
  });
});

describe('$validate-code', () => {
  it('validates a code in a ValueSet (GET, POST coding, instance) and reports non-members with 200', async () => {
    const ok = await get(`ValueSet/$validate-code?url=${encodeURIComponent(MODALITY)}&system=${encodeURIComponent(DCM)}&code=CT`);
    expect([ok.status, value(ok.body, 'result'), value(ok.body, 'display')]).toEqual([200, true, 'Computed Tomography']);
    const coding = await post('ValueSet/dicom-modality/$validate-code', params({ name: 'coding', valueCoding: { system: DCM, code: 'KO' } }));
    expect([coding.status, value(coding.body, 'result')]).toEqual([200, false]);
    expect(value(coding.body, 'message')).toContain(MODALITY);
  });

  it('validates a code in a CodeSystem', async () => {
    const ok = await get(`CodeSystem/$validate-code?url=${encodeURIComponent(CCAM)}&code=ZBQK002&display=Radiographie%20du%20thorax`);
    expect(value(ok.body, 'result')).toBe(true);
    // `system` is not in R4's OperationDefinition of CodeSystem $validate-code, but clients send it.
    const bySystem = await get(`CodeSystem/$validate-code?system=${encodeURIComponent(CCAM)}&code=ZBQK002`);
    expect([bySystem.status, value(bySystem.body, 'result')]).toEqual([200, true]);
    const wrong = await get(`CodeSystem/ccam-imaging/$validate-code?code=ZBQK002&display=Scanner`);
    expect(value(wrong.body, 'result')).toBe(false);
    const outside = await get(`CodeSystem/ccam-imaging/$validate-code?code=ZZZZ999`);
    const issues = (outside.body as Parameters).parameter?.find((p) => p.name === 'issues')?.resource as OperationOutcome | undefined;
    expect([value(outside.body, 'result'), issues?.issue?.map((i) => i.severity)]).toEqual([true, ['warning']]);
    expect(value(outside.body, 'message')).toContain('fragment');
  });

  it('answers 404 for an unknown ValueSet or CodeSystem and 400 without a code', async () => {
    expect((await get('ValueSet/$validate-code?url=urn:test:none&code=x')).status).toBe(404);
    const cs = await get('CodeSystem/$validate-code?url=urn:test:none&code=x');
    expect([cs.status, diagnostics(cs.body)]).toEqual([404, "CodeSystem 'urn:test:none' is not available on this server"]);
    expect((await get(`ValueSet/$validate-code?url=${encodeURIComponent(MODALITY)}`)).status).toBe(400);
    expect((await get(`ValueSet/$validate-code?url=${encodeURIComponent(MODALITY)}&coding=CT`)).status).toBe(400);
  });
});

describe('CodeSystem/$lookup', () => {
  it('looks up a code with its designations and properties (GET and POST)', async () => {
    const res = await get('CodeSystem/$lookup?system=https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-identity-status&code=QUAL');
    expect([res.status, value(res.body, 'display'), value(res.body, 'name')]).toEqual([200, 'Identité qualifiée', 'Statut de l’identité (RNIV)']);
    const designation = (res.body as Parameters).parameter?.find((p) => p.name === 'designation');
    expect(designation?.part).toEqual([{ name: 'language', valueCode: 'en' }, { name: 'value', valueString: 'Qualified identity' }]);
    const chapter = await post('CodeSystem/$lookup', params({ name: 'coding', valueCoding: { system: CCAM, code: '01.01.05' } }, { name: 'property', valueCode: 'child' }));
    const children = (chapter.body as Parameters).parameter?.filter((p) => p.name === 'property').map((p) => p.part?.[1].valueCode);
    expect(children).toEqual(['ACQK001', 'ACQH003', 'ACQH001', 'ACQK003', 'ACQH002', 'ACQH004']);
  });

  it('answers 404 for an unknown system or code and 400 without system', async () => {
    expect((await get('CodeSystem/$lookup?system=urn:test:none&code=x')).status).toBe(404);
    const code = await get(`CodeSystem/$lookup?system=${encodeURIComponent(CCAM)}&code=XXXX000`);
    expect([code.status, diagnostics(code.body).includes('fragment')]).toEqual([404, true]);
    const noSystem = await get('CodeSystem/$lookup?code=CT');
    expect([noSystem.status, (noSystem.body as OperationOutcome).issue[0].expression]).toEqual([400, ['system']]);
  });
});

describe('CodeSystem/$subsumes', () => {
  it('answers each outcome', async () => {
    const outcome = async (a: string, b: string) => value((await get(`CodeSystem/$subsumes?system=${encodeURIComponent(CCAM)}&codeA=${a}&codeB=${b}`)).body, 'outcome');
    expect(await outcome('01.01.05', 'ACQK001')).toBe('subsumes');
    expect(await outcome('ACQK001', '01.01.05')).toBe('subsumed-by');
    expect(await outcome('ACQK001', 'ACQK001')).toBe('equivalent');
    expect(await outcome('01.01.04', 'ACQK001')).toBe('not-subsumed');
    const post1 = await post('CodeSystem/$subsumes', params({ name: 'codingA', valueCoding: { system: CCAM, code: '04.01.05' } }, { name: 'codingB', valueCoding: { system: CCAM, code: 'ECQH010' } }));
    expect(value(post1.body, 'outcome')).toBe('subsumes');
  });

  it('answers 404 for an unknown system and 400 for a missing or unknown code', async () => {
    expect((await get('CodeSystem/$subsumes?system=urn:test:none&codeA=a&codeB=b')).status).toBe(404);
    const missing = await get(`CodeSystem/$subsumes?system=${encodeURIComponent(CCAM)}&codeA=ACQK001`);
    expect([missing.status, (missing.body as OperationOutcome).issue[0].expression]).toEqual([400, ['codeB']]);
    expect((await get(`CodeSystem/$subsumes?system=${encodeURIComponent(CCAM)}&codeA=ACQK001&codeB=NOPE`)).status).toBe(400);
    const wrongType = await post('CodeSystem/$subsumes', params({ name: 'system', valueUri: CCAM }, { name: 'codeA', valueBoolean: true }, { name: 'codeB', valueCode: 'ACQK001' }));
    expect([wrongType.status, diagnostics(wrongType.body)]).toEqual([400, "Parameter 'codeA' must be valueCode or valueString, not valueBoolean"]);
  });
});

it('the CapabilityStatement lists the terminology operations once registered', async () => {
  const cs = (await get('metadata')).body as CapabilityStatement;
  const names = [...(cs.rest?.[0].operation ?? []), ...(cs.rest?.[0].resource ?? []).flatMap((r) => r.operation ?? [])].map((o) => o.name);
  for (const op of ['expand', 'validate-code', 'lookup', 'subsumes']) expect(names).toContain(op);
});

describe('$expand limits', () => {
  const inline = (include: object[]) => params({ name: 'valueSet', resource: { resourceType: 'ValueSet', status: 'active', compose: { include } } });

  it('runs a regex filter that would backtrack exponentially in linear time', async () => {
    const started = Date.now();
    const res = await post('ValueSet/$expand', inline([{ system: 'http://loinc.org', filter: [{ property: 'display', op: 'regex', value: '(?:.|.){1,26}#' }] }]));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(res.status).toBe(200);
    expect((res.body as ValueSet).expansion?.total).toBe(0);
  });

  it('refuses a ValueSet of 5,000 includes quickly with 400 too-costly', async () => {
    const started = Date.now();
    const res = await post('ValueSet/$expand', inline(Array.from({ length: 5000 }, () => ({ system: 'http://loinc.org' }))));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(res.status).toBe(400);
    expect((res.body as OperationOutcome).issue[0].code).toBe('too-costly');
  });
});
