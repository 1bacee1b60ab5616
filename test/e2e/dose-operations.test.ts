import type { OperationOutcome, Parameters, ParametersParameter } from '@medplum/fhirtypes';
import { startBundleTestServer, type BundleTestServer } from './bundle-test-helpers';
import { CCAM, exam, quantity, sites } from './imaging-fixtures';
import { personResources, seed } from './imaging-seed';

let server: BundleTestServer;

beforeAll(async () => {
  server = await startBundleTestServer();
  await seed(server, personResources());
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

/**
 * Chest radiographs (CCAM ZBQK002) with a known DAP distribution: 100..400 mGy.cm2 at site A (2024, one
 * of them CR), 0.5 Gy.cm2 at site B without an order (found by the study's procedure code only), 9000 at site
 * B in 2022 whose study carries no procedure code (found through its order only).
 */
const chestExams = () => [
  ...[100, 200, 300, 400].map((dap, i) => exam({
    id: `r${i}`, patient: 'stranger', modality: i === 2 ? 'CR' : 'DX', started: `2024-0${i + 1}-15T10:00:00Z`, site: 'a', ccam: 'ZBQK002',
    dose: [quantity('113722', dap, 'mGy.cm2'), quantity('113839', dap / 10_000, 'mSv')],
  })).flat(),
  ...exam({ id: 'r4', patient: 'stranger', modality: 'DX', started: '2024-06-15T10:00:00+02:00', site: 'b', ccam: 'ZBQK002', noOrder: true, dose: [quantity('113722', 0.5, 'Gy.cm2')] }),
  ...exam({ id: 'r5', patient: 'stranger', modality: 'DX', started: '2022-06-15T10:00:00Z', site: 'b', ccam: 'ZBQK002', orderOnlyCode: true, dose: [quantity('113722', 9000, 'mGy.cm2')] }),
  // Another act: never part of the chest radiograph distribution.
  ...exam({ id: 'r6', patient: 'stranger', modality: 'CT', started: '2024-03-01T10:00:00Z', site: 'a', ccam: 'OTHER01', dose: [quantity('113722', 77_777, 'mGy.cm2')] }),
];

describe('Observation/$dose-statistics', () => {
  let stats: BundleTestServer;
  beforeAll(async () => {
    stats = await startBundleTestServer();
    await seed(stats, [...sites(), { resourceType: 'Patient', id: 'stranger' }, ...chestExams()]);
  });
  afterAll(() => stats.close());

  const query = async (q: string, code = `${CCAM}|ZBQK002`) => {
    const res = await stats.http.get(`/fhir/Observation/$dose-statistics?code=${encodeURIComponent(code)}&${q}`);
    expect(res.status).toBe(200);
    return res.body as Parameters;
  };
  const dist = (g: ParametersParameter) => ['count', 'p25', 'median', 'p75'].map((n) => one(g, n)?.valueInteger ?? one(g, n)?.valueQuantity?.value);

  it('gives the quartiles of a known distribution for an exam type and period, exams with or without an order', async () => {
    const b = await query('metric=dap&start=2024-01-01&end=2024-12-31');
    expect(parts(b, 'group')).toHaveLength(1);
    // 100 200 300 400 and 500 (0.5 Gy.cm2 normalised, no order: by the study's procedureCode); 2022 outside the period
    expect(dist(one(b, 'group'))).toEqual([5, 200, 300, 400]);
    expect(one(b, 'unit')?.valueCoding?.code).toBe('mGy.cm2');
    const all = await query('metric=dap');
    // the 2022 exam's study has no procedure code: found through its order's code; each report counted once
    expect(one(one(all, 'group'), 'count')?.valueInteger).toBe(6);
    expect(one(one(all, 'group'), 'max')?.valueQuantity?.value).toBe(9000);
  });

  it('takes effective dose as a metric, in mSv', async () => {
    const b = await query('metric=effective-dose&facility=Organization/site-a');
    expect(dist(one(b, 'group'))).toEqual([4, 0.0175, 0.025, 0.0325]);
    expect(one(b, 'unit')?.valueCoding?.code).toBe('mSv');
    expect(one(one(b, 'group'), 'facility')?.valueReference?.reference).toBe('Organization/site-a');
    // site B's reports give DAP only
    expect(one(await query('metric=effective-dose&facility=Organization/site-b'), 'examsWithoutMetric')?.valueInteger).toBe(2);
  });

  it('filters and groups by facility: the study\'s performer, else the order\'s', async () => {
    const grouped = await query('metric=dap&start=2024&groupBy=facility');
    const groups = parts(grouped, 'group');
    expect(groups.map((g) => one(g, 'facility')?.valueReference?.reference)).toEqual([undefined, 'Organization/site-a', 'Organization/site-b']);
    expect(dist(groups[1])).toEqual([4, 175, 250, 325]);
    expect(dist(groups[2])).toEqual([1, 500, 500, 500]);
    expect(dist(one(await query('metric=dap&facility=Organization/site-b'), 'group'))).toEqual([2, 2625, 4750, 6875]);
  });

  it('groups by month (of the report\'s effective date) and by modality', async () => {
    const months = parts(await query('metric=dap&groupBy=month'), 'group').slice(1);
    expect(months.map((g) => [one(g, 'month')?.valueString, one(g, 'count')?.valueInteger])).toEqual([
      ['2022-06', 1], ['2024-01', 1], ['2024-02', 1], ['2024-03', 1], ['2024-04', 1], ['2024-06', 1],
    ]);
    // CR: 300; DX: 100 200 400 500
    const modalities = parts(await query('metric=dap&start=2024&groupBy=modality'), 'group').slice(1);
    expect(modalities.map((g) => [one(g, 'modality')?.valueCoding?.code, ...dist(g)])).toEqual([['CR', 1, 300, 300, 300], ['DX', 4, 175, 300, 425]]);
  });

  it('accepts a code of a system it holds no acts for, and answers an empty distribution', async () => {
    const b = await query('metric=dap', 'http://loinc.org|24627-2');
    expect(dist(one(b, 'group'))).toEqual([0, undefined, undefined, undefined]);
  });

  it.each([
    ['code=x&metric=volume', 'metric'],
    ['metric=dlp', 'code'],
    [`code=${encodeURIComponent(`${CCAM}|XXXX999`)}&metric=dap`, 'code'],
    ['code=NOTANACT&metric=dap', 'code'],
    [`code=${encodeURIComponent(`${CCAM}|`)}&metric=dap`, 'code'],
    [`code=ZBQK002&metric=dlp&start=2024-02-30T`, 'start'],
    ['code=ZBQK002&metric=dlp&facility=site-a', 'facility'],
    ['code=ZBQK002&metric=dlp&groupBy=site', 'groupBy'],
  ])('refuses %s with a 400 naming %s', async (q, name) => {
    const res = await stats.http.get(`/fhir/Observation/$dose-statistics?${q}`);
    expect(res.status).toBe(400);
    expect((res.body as OperationOutcome).issue[0].expression).toEqual([name]);
  });
});
