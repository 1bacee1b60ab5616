import type { OperationOutcome, Parameters, ParametersParameter } from '@medplum/fhirtypes';
import { startBundleTestServer, type BundleTestServer } from './bundle-test-helpers';
import { CCAM, exam, quantity } from './imaging-fixtures';
import { personResources, seed } from './imaging-seed';

let server: BundleTestServer;

/** A known CT head distribution: DLP 100..400 at site A (2024), 500 at site B, 9000 outside the period. */
const statsExams = [
  ...[100, 200, 300, 400].map((dlp, i) => exam({ id: `h${i}`, patient: 'stranger', modality: 'CT', started: `2024-0${i + 1}-15T10:00:00Z`, site: 'a', ccam: 'ACQK001', dose: [quantity('113813', dlp, 'mGy.cm'), quantity('113830', dlp / 10, 'mGy')] })),
  ...exam({ id: 'h4', patient: 'stranger', modality: 'CT', started: '2024-06-15T10:00:00Z', site: 'b', ccam: 'ACQK001', dose: [quantity('113813', 0.5, 'Gy.cm')] }),
  ...exam({ id: 'h5', patient: 'stranger', modality: 'CT', started: '2022-06-15T10:00:00Z', site: 'b', ccam: 'ACQK001', dose: [quantity('113813', 9000, 'mGy.cm')] }),
].flat();

beforeAll(async () => {
  server = await startBundleTestServer();
  await seed(server, [...personResources(), ...statsExams]);
});
afterAll(() => server.close());

const get = async (path: string) => {
  const res = await server.http.get(`/fhir/${path}`);
  expect(res.status).toBe(200);
  return res.body as Parameters;
};
const parts = (p: ParametersParameter | Parameters, name: string) => ((p as Parameters).parameter ?? (p as ParametersParameter).part ?? []).filter((x) => x.name === name);
const one = (p: ParametersParameter | Parameters, name: string) => parts(p, name)[0];
const windowOf = (b: Parameters, name: string) => parts(b, 'window').find((w) => one(w, 'name')?.valueCode === name)!;
const modalityOf = (w: ParametersParameter, code: string) => parts(w, 'modality').find((m) => one(m, 'code')?.valueCoding?.code === code)!;
const total = (m: ParametersParameter, metric: string) => {
  const t = parts(m, 'total').find((x) => one(x, 'metric')?.valueCode === metric);
  return t && { value: one(t, 'value')?.valueQuantity, observations: parts(t, 'observation').map((o) => o.valueReference?.reference).sort() };
};

describe('Patient/$dose-summary', () => {
  it('sums every linked identity and site over the lifetime, in one unit per metric', async () => {
    const b = await get('Patient/p1/$dose-summary');
    expect(parts(b, 'identity').map((p) => p.valueReference?.reference).sort()).toEqual(['Patient/p2', 'Patient/p3']);
    const life = windowOf(b, 'lifetime');
    expect(one(life, 'examCount')?.valueInteger).toBe(6);
    const ct = modalityOf(life, 'CT');
    // 500 mGy.cm + 0.3 Gy.cm = 800 mGy.cm; 7.5 + 4.5 mSv
    expect(total(ct, 'dlp')).toEqual({ value: { value: 800, unit: 'mGy.cm', system: 'http://unitsofmeasure.org', code: 'mGy.cm' }, observations: ['Observation/dose-s1', 'Observation/dose-s2'] });
    expect(total(ct, 'effective-dose')?.value?.value).toBe(12);
    const xa = modalityOf(life, 'XA');
    // 0.0013639 Gy.m2 = 13 639 mGy.cm2 (1 Gy.m2 = 10^7 mGy.cm2), plus fluoro 1500 + acquisition 500 mGy.cm2
    expect(total(xa, 'dap')?.value).toMatchObject({ value: 15639, code: 'mGy.cm2' });
    expect(total(xa, 'fluoro-time')?.value).toMatchObject({ value: 120, code: 's' });
    const nm = parts(modalityOf(life, 'NM'), 'total')[0];
    expect([one(nm, 'metric')?.valueCode, one(nm, 'qualifier')?.valueCoding?.code, one(nm, 'value')?.valueQuantity?.value]).toEqual(['activity', '44588005', 185]);
    expect(total(ct, 'dlp')?.observations).not.toContain('Observation/dose-x1');
  });

  it('counts exams without dose apart and windows the last 12 months on the server clock', async () => {
    const b = await get('Patient/p1/$dose-summary');
    const life = windowOf(b, 'lifetime');
    expect(one(life, 'examsWithoutDose')?.valueInteger).toBe(1);
    const mr = modalityOf(life, 'MR');
    expect([one(mr, 'examCount')?.valueInteger, one(mr, 'examsWithoutDose')?.valueInteger, one(mr, 'examWithoutDose')?.valueReference?.reference]).toEqual([1, 1, 'ImagingStudy/s5']);
    expect(parts(mr, 'total')).toEqual([]);
    const year = windowOf(b, 'last-12-months');
    expect(one(year, 'examCount')?.valueInteger).toBe(4);
    expect(total(modalityOf(year, 'XA'), 'dap')?.value?.value).toBe(2000);
    expect(total(modalityOf(year, 'CT'), 'dlp')?.value?.value).toBe(800);
    expect(modalityOf(year, 'NM')).toBeUndefined();
  });

  it('answers 404 for an unknown patient', async () => {
    expect((await server.http.get('/fhir/Patient/nobody/$dose-summary')).status).toBe(404);
  });
});

describe('Observation/$dose-statistics', () => {
  const stats = (query: string) => get(`Observation/$dose-statistics?code=${encodeURIComponent(`${CCAM}|ACQK001`)}&${query}`);
  const dist = (g: ParametersParameter) => ['count', 'p25', 'median', 'p75'].map((n) => one(g, n)?.valueInteger ?? one(g, n)?.valueQuantity?.value);

  it('gives the quartiles of a known distribution for an exam type and period', async () => {
    const b = await stats('metric=dlp&start=2024-01-01&end=2024-12-31');
    expect(parts(b, 'group')).toHaveLength(1);
    // 100 200 300 400 500 (0.5 Gy.cm normalised), the 2022 exam outside the period
    expect(dist(one(b, 'group'))).toEqual([5, 200, 300, 400]);
    const all = await stats('metric=dlp');
    expect(one(one(all, 'group'), 'count')?.valueInteger).toBe(6);
  });

  it('filters and groups by facility', async () => {
    const a = await stats('metric=ctdivol&facility=Organization/site-a');
    expect(dist(one(a, 'group'))).toEqual([4, 17.5, 25, 32.5]);
    expect(one(a, 'examsWithoutMetric')?.valueInteger).toBe(0);
    const grouped = await stats('metric=dlp&start=2024&groupBy=facility');
    const groups = parts(grouped, 'group');
    expect(groups.map((g) => one(g, 'facility')?.valueReference?.reference)).toEqual([undefined, 'Organization/site-a', 'Organization/site-b']);
    expect(dist(groups[1])).toEqual([4, 175, 250, 325]);
    expect(dist(groups[2])).toEqual([1, 500, 500, 500]);
  });

  it.each([
    ['code=x&metric=volume', 'metric'],
    ['metric=dlp', 'code'],
    ['code=x&metric=dlp&start=2024-02-30T', 'start'],
    ['code=x&metric=dlp&facility=site-a', 'facility'],
    ['code=x&metric=dlp&groupBy=site', 'groupBy'],
  ])('refuses %s with a 400 naming %s', async (query, name) => {
    const res = await server.http.get(`/fhir/Observation/$dose-statistics?${query}`);
    expect(res.status).toBe(400);
    expect((res.body as OperationOutcome).issue[0].expression).toEqual([name]);
  });
});
