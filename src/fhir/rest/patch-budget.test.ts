import { PatchBudget, assertDepthWithin, measureJson, postedResourceLimits } from './patch-budget';
import { applyJsonPatch } from './patch-json';

const EXTENSION = { url: 'http://example.org/fhir/StructureDefinition/amplify', valueString: 'a value that doubles with every copy' };

describe('patch budget', () => {
  it('measures about the serialised size and counts every value', () => {
    const value = { resourceType: 'Patient', name: [{ family: 'Durand', given: ['Anne'] }], active: true };
    const size = measureJson(value);
    expect(Math.abs(size.bytes - JSON.stringify(value).length)).toBeLessThan(8);
    expect(size.elements).toBe(8);
  });

  it('refuses the operation that crosses the limit, not later, and leaves the input alone', () => {
    const doc = { resourceType: 'Patient', id: 'p', extension: [EXTENSION] };
    const patch = Array.from({ length: 24 }, () => ({ op: 'copy', from: '/extension', path: '/extension/-' }));
    const limits = postedResourceLimits(16 * 1024 * 1024, 200_000);
    const started = Date.now();
    expect(() => applyJsonPatch(doc, patch, limits)).toThrow(/JSON Patch operation 15 \(copy\)/);
    expect(Date.now() - started).toBeLessThan(2500);
    expect(doc.extension).toHaveLength(1);
  });

  it('counts removals, so a patch that adds and removes in turn stays within the limits', () => {
    const doc = { resourceType: 'Patient', id: 'p' };
    const big = 'x'.repeat(600);
    const patch = Array.from({ length: 20 }, () => [
      { op: 'add', path: '/text', value: big },
      { op: 'remove', path: '/text' },
    ]).flat();
    expect(applyJsonPatch(doc, patch, { maxBytes: 1000, maxElements: 100 })).toEqual(doc);
    expect(() => applyJsonPatch(doc, [{ op: 'add', path: '/a', value: big }, { op: 'add', path: '/b', value: big }], { maxBytes: 1000, maxElements: 100 })).toThrow(
      /operation 1 \(add\)/,
    );
  });

  it('refuses nesting deeper than a posted body may have', () => {
    const doc = { resourceType: 'Basic', id: 'b', x: [1] };
    const patch = Array.from({ length: 120 }, () => [
      { op: 'copy', from: '/x', path: '/x/0' },
      { op: 'remove', path: '/x/1' },
    ]).flat();
    expect(() => applyJsonPatch(doc, patch, postedResourceLimits(1 << 20, 200_000))).toThrow(/deeper than 100/);
  });

  it('measures the depth of a whole result, however it was built', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 150; i++) deep = [deep];
    expect(() => assertDepthWithin({ a: deep })).toThrow(/deeper than 100/);
    expect(() => assertDepthWithin({ a: [[[1]]] })).not.toThrow();
  });

  it('counts elements as well as bytes', () => {
    const budget = new PatchBudget({ maxBytes: 1e9, maxElements: 10 }, { a: 1 });
    expect(() => budget.addCopy([1, 2, 3, 4, 5, 6, 7, 8, 9], 'here')).toThrow(/here would make/);
  });
});
