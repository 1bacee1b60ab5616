import { FhirError } from '../errors';
import { BodyBudgetScan, type ScanBudget } from './body-budget-scan';

/** The verdict on `text` fed in chunks of `size` bytes; every chunking must give the same one. */
function fed(text: string, budget: ScanBudget, size: number): string {
  const bytes = Buffer.from(text);
  const scan = new BodyBudgetScan(budget);
  try {
    for (let at = 0; at < bytes.length; at += size) scan.feed(bytes.subarray(at, at + size));
    return 'ok';
  } catch (err) {
    if (!(err instanceof FhirError)) throw err;
    return `${err.status} ${err.outcome.issue[0].diagnostics}`;
  }
}

function outcome(text: string, budget: ScanBudget): string {
  const whole = fed(text, budget, Infinity);
  for (const size of [1, 3, 7, 64]) expect(fed(text, budget, size)).toBe(whole);
  return whole;
}

const bundle = (entries: number, entry = '{"resource":{"resourceType":"Patient"}}') =>
  `{"resourceType":"Bundle","type":"transaction","entry":[${Array.from({ length: entries }, () => entry).join(',')}]}`;

describe('BodyBudgetScan', () => {
  const budget = { maxEntries: 3, maxResourceValues: 20 };

  it('counts a Bundle\'s entries on its bytes: past maxEntries is 413, whatever follows', () => {
    expect(outcome(bundle(3), budget)).toBe('ok');
    expect(outcome(bundle(4), budget)).toMatch(/^413 The Bundle has more than 3 entries.*maxBundleEntries/);
    expect(outcome(bundle(4).slice(0, -20) + '!!not json', budget)).toMatch(/^413 .*maxBundleEntries/);
  });

  it('counts entries whatever the key order, but not the entries of another resource type', () => {
    expect(outcome(`{"entry":[{},{},{},{}],"resourceType":"Bundle","type":"batch"}`, budget)).toMatch(/^413 .*maxBundleEntries/);
    expect(outcome(`{"resourceType":"List","status":"current","mode":"working","entry":[{},{},{},{}]}`, budget)).toBe('ok');
  });

  it('bounds the JSON values of each resource: the body, or each Bundle entry on its own', () => {
    const names = (n: number) => `{"resourceType":"Patient","name":[${Array.from({ length: n }, () => '{"family":"X"}').join(',')}]}`;
    // The object, its resourceType, the name array, then 2 values per name: 3 + 2n.
    expect(outcome(names(8), budget)).toBe('ok');
    expect(outcome(names(9), budget)).toMatch(/^413 A resource holds more than 20 JSON values.*maxResourceElements/);
    // Three entries of 12 values each: 36 in all, but no resource past 20.
    const entry = '{"resource":{"resourceType":"Patient","active":true,"deceasedBoolean":false,"name":[{"family":"A","given":["B","C"]}]}}';
    expect(outcome(bundle(3, entry), budget)).toBe('ok');
    const big = `{"resource":${names(10)}}`;
    expect(outcome(bundle(1, big), budget)).toMatch(/^413 A resource holds more/);
  });

  it('counts numbers, booleans and null as values, and nothing inside strings', () => {
    const small = { maxEntries: 10, maxResourceValues: 5 };
    expect(outcome('{"a":[1,2,3]}', small)).toBe('ok');
    expect(outcome('{"a":[-1.5e3, true,null,false]}', small)).toMatch(/^413/);
    expect(outcome('{"a":"[{1,2,3,4,5,6}] \\" [[[","b":"Zoé 😀 {}"}', small)).toBe('ok');
    // Long strings (searched natively) with escapes and structure inside, cut anywhere by the chunking.
    const long = `${'x'.repeat(100)}\\"{[1,2]}\\\\${'é'.repeat(60)}\\"`;
    expect(outcome(`{"a":"${long}","b":"${long}","c":"${long}"}`, small)).toBe('ok');
    expect(outcome(`{"a":"${long}","b":[1,2,3]}`, small)).toMatch(/^413/);
  });
});
