import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFORMANCE_TYPES } from '../../src/fhir/conformance/served-resources';
import { startBundleTestServer, type BundleTestServer } from './bundle-test-helpers';

const FHIR_JSON = 'application/fhir+json';
const EXAMPLES = join(require.resolve('hl7.fhir.r4.examples/package.json'), '..');

/** Number tokens outside strings, as written: found by a regular expression, independent of the server's reader. */
function numberTexts(json: string): string[] {
  const out: string[] = [];
  for (const m of json.matchAll(/"(?:[^"\\]|\\.)*"|(-?\d[\d.eE+-]*)/g)) if (m[1] !== undefined) out.push(m[1]);
  return out;
}

const DOSES = ['12.80', '0.10000000000000000000000001', '18446744073709551616', '1e-400', '2.50E+3', '-0.0'];

/** An Observation whose quantities carry the texts above (as JSON text: a JS object could not hold them). */
function observationText(id: string): string {
  const components = DOSES.map((d, i) => `{"code":{"text":"c${i}"},"valueQuantity":{"value":${d},"unit":"mg"}}`).join(',');
  return `{"resourceType":"Observation","id":"${id}","status":"final","code":{"text":"dose"},` +
    `"valueQuantity":{"value":12.80,"unit":"mGy","system":"http://unitsofmeasure.org","code":"mGy"},"component":[${components}]}`;
}

let server: BundleTestServer;
beforeAll(async () => {
  server = await startBundleTestServer();
});
afterAll(() => server.close());

const http = () => server.http;

describe('decimals are kept exactly as written', () => {
  beforeAll(async () => {
    const res = await http().put('/fhir/Observation/dose').set('Content-Type', FHIR_JSON).send(observationText('dose'));
    expect(res.status).toBe(201);
  });

  it('in the create answer, reads, vreads, _pretty, searches, history, _summary and _elements', async () => {
    const texts = [
      (await http().put('/fhir/Observation/dose2').set('Content-Type', FHIR_JSON).set('Prefer', 'return=representation').send(observationText('dose2'))).text,
      (await http().get('/fhir/Observation/dose')).text,
      (await http().get('/fhir/Observation/dose/_history/1')).text,
      (await http().get('/fhir/Observation/dose?_pretty=true')).text,
      (await http().get('/fhir/Observation?_id=dose')).text,
      (await http().get('/fhir/Observation?_id=dose&_pretty=true')).text,
      (await http().get('/fhir/Observation/dose/_history')).text,
      (await http().get('/fhir/Observation?_id=dose&_summary=data')).text,
      (await http().get('/fhir/Observation?_id=dose&_elements=component,valueQuantity')).text,
      (await http().get('/fhir/Observation/dose?_elements=component,valueQuantity')).text,
    ];
    for (const text of texts) expect(numberTexts(text)).toEqual(expect.arrayContaining(['12.80', ...DOSES]));
  });

  it('through a batch Bundle, in and out', async () => {
    const entry = (id: string) => `{"resource":${observationText(id)},"request":{"method":"PUT","url":"Observation/${id}"}}`;
    const res = await http().post('/fhir').set('Content-Type', FHIR_JSON).set('Prefer', 'return=representation')
      .send(`{"resourceType":"Bundle","type":"batch","entry":[${entry('b1')},${entry('b2')}]}`);
    expect(res.status).toBe(200);
    expect(numberTexts(res.text).filter((t) => DOSES.includes(t))).toHaveLength(2 * (DOSES.length + 1));
    expect(numberTexts((await http().get('/fhir/Observation/b2')).text)).toEqual(expect.arrayContaining(DOSES));
  });

  it('through a transaction whose references are rewritten (where the store has transactions)', async () => {
    const patient = '{"fullUrl":"urn:uuid:4f1c3a52-7c1e-4d0c-9d55-3b0a8c1e2f01","resource":{"resourceType":"Patient"},"request":{"method":"POST","url":"Patient"}}';
    const observation = observationText('t1').replace('"status":"final"', '"status":"final","subject":{"reference":"urn:uuid:4f1c3a52-7c1e-4d0c-9d55-3b0a8c1e2f01"}');
    const res = await http().post('/fhir').set('Content-Type', FHIR_JSON)
      .send(`{"resourceType":"Bundle","type":"transaction","entry":[${patient},{"resource":${observation},"request":{"method":"PUT","url":"Observation/t1"}}]}`);
    if (res.status === 501) return; // FerretDB: no transactions, refusal covered elsewhere
    expect(res.status).toBe(200);
    const text = (await http().get('/fhir/Observation/t1')).text;
    expect(text).toMatch(/"subject":\{"reference":"Patient\/[^"]+"\}/);
    expect(numberTexts(text)).toEqual(expect.arrayContaining(DOSES));
  });

  it('through patches that leave them untouched', async () => {
    await http().put('/fhir/Observation/p1').set('Content-Type', FHIR_JSON).send(observationText('p1'));
    const jsonPatch = await http().patch('/fhir/Observation/p1').set('Content-Type', 'application/json-patch+json')
      .send('[{"op":"replace","path":"/status","value":"amended"},{"op":"copy","from":"/component/0","path":"/component/-"}]');
    expect(jsonPatch.status).toBe(200);
    const afterJson = (await http().get('/fhir/Observation/p1')).text;
    expect(afterJson).toContain('"amended"');
    expect(numberTexts(afterJson)).toEqual(expect.arrayContaining([...DOSES, '12.80']));
    expect(numberTexts(afterJson).filter((t) => t === '12.80')).toHaveLength(3);
    const fhirPath = await http().patch('/fhir/Observation/p1').set('Content-Type', FHIR_JSON).send({
      resourceType: 'Parameters',
      parameter: [{ name: 'operation', part: [
        { name: 'type', valueCode: 'replace' }, { name: 'path', valueString: 'Observation.status' }, { name: 'value', valueCode: 'final' }] }],
    });
    expect(fhirPath.status).toBe(200);
    expect(numberTexts((await http().get('/fhir/Observation/p1')).text)).toEqual(expect.arrayContaining(DOSES));
  });

  it('while search compares the numeric value', async () => {
    const found = await http().get('/fhir/Observation?_id=dose&value-quantity=12.8||mGy');
    expect(found.body.total ?? found.body.entry?.length).toBe(1);
    const range = await http().get('/fhir/Observation?_id=dose&value-quantity=gt12.5||mGy');
    expect(range.body.entry).toHaveLength(1);
    const none = await http().get('/fhir/Observation?_id=dose&value-quantity=gt13||mGy');
    expect(none.body.entry ?? []).toHaveLength(0);
  });
});

describe('integers', () => {
  const patient = (birth: string) => `{"resourceType":"Patient","multipleBirthInteger":${birth}}`;
  const series = (n: string) => `{"resourceType":"ImagingStudy","status":"available","subject":{"reference":"Patient/x"},"numberOfSeries":${n}}`;

  it('written with a fraction or an exponent, or beyond int32, are refused with 422 where the type is integer', async () => {
    for (const body of [patient('1.0'), patient('2e0'), patient('2147483648'), patient('18446744073709551616'), series('1e2'), series('3.00'), series('-1')]) {
      const res = await http().post('/fhir/' + (JSON.parse(body) as { resourceType: string }).resourceType).set('Content-Type', FHIR_JSON).send(body);
      expect([body, res.status]).toEqual([body, 422]);
      expect(res.body.resourceType).toBe('OperationOutcome');
    }
    for (const body of [patient('2'), patient('-0'), series('100'), series('2147483647')]) {
      const res = await http().post('/fhir/' + (JSON.parse(body) as { resourceType: string }).resourceType).set('Content-Type', FHIR_JSON).send(body);
      expect([body, res.status]).toEqual([body, 201]);
    }
  });
});

/**
 * Every R4 example with a decimal or a number a JS number would print differently, except the conformance
 * resources (StructureDefinition...), which the server serves read-only.
 */
const withDecimals = readdirSync(EXAMPLES)
  .filter((f) => f.endsWith('.json') && f !== 'package.json' && !f.startsWith('.'))
  .filter((f) => !CONFORMANCE_TYPES.has(f.slice(0, f.indexOf('-'))))
  .filter((f) => numberTexts(readFileSync(join(EXAMPLES, f), 'utf8')).some((t) => /[.eE]/.test(t) || String(Number(t)) !== t))
  .sort();

/** Examples the server refuses for reasons unrelated to numbers (the validator's own list). */
const REFUSED = new Set(['MedicationRequest-medrx0301.json']);

describe('R4 examples', () => {
  it('has examples whose decimals a JS number would not print back', () => {
    expect(withDecimals.length).toBeGreaterThan(90);
    const inexact = withDecimals.filter((f) => numberTexts(readFileSync(join(EXAMPLES, f), 'utf8')).some((t) => String(Number(t)) !== t));
    expect(inexact.length).toBeGreaterThan(40);
  });

  it.each(withDecimals.filter((f) => !REFUSED.has(f)))('%s: every number is read back as written', async (file) => {
    const text = readFileSync(join(EXAMPLES, file), 'utf8');
    const { resourceType, id } = JSON.parse(text) as { resourceType: string; id?: string };
    const write = id ? http().put(`/fhir/${resourceType}/${id}`) : http().post(`/fhir/${resourceType}`);
    const res = await write.set('Content-Type', FHIR_JSON).send(text);
    if (res.status >= 300) throw new Error(`${file}: ${res.status} ${res.text.slice(0, 400)}`);
    const read = await http().get(`/fhir/${resourceType}/${id ?? res.body.id}`);
    expect(numberTexts(read.text).sort()).toEqual(numberTexts(text).sort());
  });
});
