import { FhirError } from '../errors';
import { readJson } from './read-json';
import type { ScanBudget } from './scan-json';

function outcome(text: string, budget: ScanBudget): string {
  try {
    readJson(text, { strict: true, maxDepth: 100, budget });
    return 'ok';
  } catch (err) {
    if (!(err instanceof FhirError)) throw err;
    return `${err.status} ${err.outcome.issue[0].diagnostics}`;
  }
}

const bundle = (entries: number, entry = '{"resource":{"resourceType":"Patient"}}') =>
  `{"resourceType":"Bundle","type":"transaction","entry":[${Array.from({ length: entries }, () => entry).join(',')}]}`;

describe('scan budget', () => {
  const budget = { maxEntries: 3, maxResourceValues: 20 };

  it('counts a Bundle\'s entries before parsing: past maxEntries is 413, even if the rest is not JSON', () => {
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

  it('counts numbers, booleans and null as values', () => {
    const small = { maxEntries: 10, maxResourceValues: 5 };
    expect(outcome('{"a":[1,2,3]}', small)).toBe('ok');
    expect(outcome('{"a":[1,true,null,false]}', small)).toMatch(/^413/);
  });
});
