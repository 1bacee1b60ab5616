import { FhirError } from '../../kernel/errors';
import { applyJsonPatch } from './patch-json';

function statusOf(fn: () => unknown): number | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    return (e as FhirError).status;
  }
}

describe('applyJsonPatch', () => {
  const doc = { resourceType: 'Patient', 'a/b': 1, 't~x': 2, name: [{ given: ['A', 'B'] }], active: true };

  it('applies add, remove, replace, move, copy and test without touching the input', () => {
    const result = applyJsonPatch(doc, [
      { op: 'test', path: '/active', value: true },
      { op: 'add', path: '/name/0/given/-', value: 'C' },
      { op: 'add', path: '/name/0/given/0', value: 'Z' },
      { op: 'remove', path: '/name/0/given/1' },
      { op: 'replace', path: '/active', value: false },
      { op: 'copy', from: '/name/0', path: '/name/-' },
      { op: 'move', from: '/a~1b', path: '/moved' },
      { op: 'remove', path: '/t~0x' },
    ]);
    expect(result).toEqual({
      resourceType: 'Patient',
      name: [{ given: ['Z', 'B', 'C'] }, { given: ['Z', 'B', 'C'] }],
      active: false,
      moved: 1,
    });
    expect(doc.name[0].given).toEqual(['A', 'B']);
    (result as any).name[1].given.push('D');
    expect((result as any).name[0].given).toHaveLength(3);
  });

  it('answers 422 for a failed test and 400 for malformed operations', () => {
    expect(statusOf(() => applyJsonPatch(doc, [{ op: 'test', path: '/active', value: false }]))).toBe(422);
    expect(statusOf(() => applyJsonPatch(doc, [{ op: 'test', path: '/missing', value: 1 }]))).toBe(422);
    expect(statusOf(() => applyJsonPatch(doc, [{ op: 'frobnicate', path: '/active' }]))).toBe(400);
    expect(statusOf(() => applyJsonPatch(doc, [{ op: 'add', path: '/x' }]))).toBe(400);
    expect(statusOf(() => applyJsonPatch(doc, [{ op: 'remove', path: '/missing' }]))).toBe(400);
    expect(statusOf(() => applyJsonPatch(doc, [{ op: 'replace', path: '/name/5', value: 1 }]))).toBe(400);
    expect(statusOf(() => applyJsonPatch(doc, [{ op: 'add', path: 'active', value: 1 }]))).toBe(400);
    expect(statusOf(() => applyJsonPatch(doc, [{ op: 'move', from: '/name', path: '/name/0/x' }]))).toBe(400);
    expect(statusOf(() => applyJsonPatch(doc, { op: 'add' }))).toBe(400);
  });

  it('refuses prototype-polluting paths and values', () => {
    expect(statusOf(() => applyJsonPatch(doc, [{ op: 'add', path: '/__proto__/polluted', value: 1 }]))).toBe(400);
    expect(statusOf(() => applyJsonPatch(doc, [{ op: 'add', path: '/constructor', value: 1 }]))).toBe(400);
    const value = JSON.parse('{"__proto__": {"polluted": true}}');
    expect(statusOf(() => applyJsonPatch(doc, [{ op: 'add', path: '/x', value }]))).toBe(400);
    expect(({} as any).polluted).toBeUndefined();
  });
});
