import { loadDefinitions } from '../conformance/definitions';
import { createValidator } from './create-validator';

const validator = createValidator(loadDefinitions());
/** [code, expression] of every error, the shape asserted throughout. */
const errors = (resource: unknown) =>
  validator
    .validate(resource)
    .filter((i) => i.severity === 'error')
    .map((i) => [i.code, i.expression?.[0]]);

describe('resource shape', () => {
  it('accepts a minimal resource', () => {
    expect(errors({ resourceType: 'Patient' })).toEqual([]);
  });

  it.each([[null], [[]], ['Patient'], [42]])('rejects %j, which is not a JSON object', (value) => {
    expect(errors(value)).toEqual([['structure', '$this']]);
  });

  it('rejects a missing, unknown, abstract or non-string resourceType', () => {
    expect(errors({ id: 'a' })).toEqual([['invalid', 'resourceType']]);
    expect(errors({ resourceType: 'Patient2' })).toEqual([['invalid', 'resourceType']]);
    expect(errors({ resourceType: 'DomainResource' })).toEqual([['invalid', 'resourceType']]);
    expect(errors({ resourceType: 7 })).toEqual([['invalid', 'resourceType']]);
  });
});

describe('unknown elements', () => {
  it('rejects unknown top-level and nested elements with their path', () => {
    expect(errors({ resourceType: 'Patient', foo: 1, name: [{ family: 'A' }, { given: ['B'], nick: 'x' }] })).toEqual([
      ['structure', 'Patient.foo'],
      ['structure', 'Patient.name[1].nick'],
    ]);
  });

  it('accepts a valid choice type suffix and rejects an unknown one', () => {
    const base = { resourceType: 'Observation', status: 'final', code: { text: 'x' } };
    expect(errors({ ...base, valueQuantity: { value: 1 } })).toEqual([]);
    expect(errors({ ...base, valueFoo: 1 })).toEqual([['structure', 'Observation.valueFoo']]);
    expect(errors({ ...base, value: 1 })).toEqual([['structure', 'Observation.value']]);
  });

  it('rejects two variants of one choice element', () => {
    const r = { resourceType: 'Observation', status: 'final', code: { text: 'x' }, valueString: 'a', valueBoolean: true };
    expect(errors(r)).toEqual([['business-rule', 'Observation.valueBoolean']]);
  });

  it('rejects __proto__, constructor and prototype keys as unknown elements', () => {
    const r = JSON.parse('{"resourceType":"Patient","__proto__":{"x":1},"name":[{"constructor":"y","prototype":1}]}');
    expect(errors(r)).toEqual([
      ['structure', 'Patient.__proto__'],
      ['structure', 'Patient.name[0].constructor'],
      ['structure', 'Patient.name[0].prototype'],
    ]);
  });

  it('rejects resourceType inside a data type', () => {
    expect(errors({ resourceType: 'Patient', name: [{ resourceType: 'HumanName', family: 'A' }] })).toEqual([
      ['structure', 'Patient.name[0].resourceType'],
    ]);
  });

  it('bounds the number of issues and the length of echoed keys', () => {
    const hostile: Record<string, unknown> = { resourceType: 'Patient' };
    for (let i = 0; i < 5000; i++) hostile[`k${i}`] = 1;
    const issues = validator.validate(hostile);
    expect(issues).toHaveLength(1001);
    expect(issues[1000].code).toBe('too-costly');
    const [long] = validator.validate({ resourceType: 'Patient', ['x'.repeat(100_000)]: 1 });
    expect(long.expression?.[0]).toBe(`Patient.${'x'.repeat(64)}...`);
  });
});

describe('primitive extensions (_element)', () => {
  const ext = { extension: [{ url: 'http://example.org/x', valueString: 'y' }] };

  it('accepts _birthDate with or without the value', () => {
    expect(errors({ resourceType: 'Patient', birthDate: '1970-01-01', _birthDate: ext })).toEqual([]);
    expect(errors({ resourceType: 'Patient', _birthDate: ext })).toEqual([]);
  });

  it('validates the content of _element and rejects _element of non-primitives or unknown names', () => {
    expect(errors({ resourceType: 'Patient', _birthDate: { extension: [{ valueString: 'y' }] } })).toEqual([
      ['required', 'Patient.birthDate.extension[0].url'],
    ]);
    expect(errors({ resourceType: 'Patient', _name: ext, _foo: ext })).toEqual([
      ['structure', 'Patient._name'],
      ['structure', 'Patient._foo'],
    ]);
    expect(errors({ resourceType: 'Patient', _birthDate: 'x' })).toEqual([['structure', 'Patient.birthDate']]);
  });

  it('accepts nulls aligned between a primitive array and its _element array', () => {
    const name = { given: ['A', null], _given: [null, ext] };
    expect(errors({ resourceType: 'Patient', name: [name] })).toEqual([]);
  });

  it('rejects misaligned arrays and nulls that carry nothing', () => {
    expect(errors({ resourceType: 'Patient', name: [{ given: ['A', 'B'], _given: [ext] }] })).toEqual([
      ['structure', 'Patient.name[0].given'],
    ]);
    expect(errors({ resourceType: 'Patient', name: [{ given: ['A', null] }] })).toEqual([
      ['structure', 'Patient.name[0].given[1]'],
    ]);
    expect(errors({ resourceType: 'Patient', name: [{ given: ['A', 'B'], _given: [null, null] }] })).toEqual([]);
    expect(errors({ resourceType: 'Patient', name: [{ given: [null], _given: [null] }] })).toEqual([
      ['structure', 'Patient.name[0].given[0]'],
      ['structure', 'Patient.name[0].given[0]'],
    ]);
  });
});

describe('JSON types', () => {
  it('rejects arrays where max is 1 and single values where max is *', () => {
    expect(errors({ resourceType: 'Patient', gender: ['male'] })).toEqual([['structure', 'Patient.gender']]);
    expect(errors({ resourceType: 'Patient', name: { family: 'A' } })).toEqual([['structure', 'Patient.name']]);
  });

  it('rejects a primitive where an object is expected and vice versa', () => {
    expect(errors({ resourceType: 'Patient', maritalStatus: 'M' })).toEqual([['structure', 'Patient.maritalStatus']]);
    expect(errors({ resourceType: 'Patient', birthDate: { value: '1970' } })).toEqual([['value', 'Patient.birthDate']]);
    expect(errors({ resourceType: 'Patient', active: 'true' })).toEqual([['value', 'Patient.active']]);
    expect(errors({ resourceType: 'Patient', multipleBirthInteger: '2' })).toEqual([['value', 'Patient.multipleBirthInteger']]);
  });

  it('rejects empty objects, arrays and strings, and nulls', () => {
    expect(errors({ resourceType: 'Patient', maritalStatus: {} })).toEqual([['structure', 'Patient.maritalStatus']]);
    expect(errors({ resourceType: 'Patient', name: [] })).toEqual([['structure', 'Patient.name']]);
    expect(errors({ resourceType: 'Patient', name: [{ family: '' }] })).toEqual([['value', 'Patient.name[0].family']]);
    expect(errors({ resourceType: 'Patient', gender: null })).toEqual([['structure', 'Patient.gender']]);
    expect(errors({ resourceType: 'Patient', name: [null] })).toEqual([['structure', 'Patient.name[0]']]);
  });
});

describe('depth', () => {
  const nested = (levels: number) => {
    let json = '{"linkId":"x","type":"display"}';
    for (let i = 0; i < levels; i++) json = `{"linkId":"x","type":"group","item":[${json}]}`;
    return JSON.parse(`{"resourceType":"Questionnaire","status":"draft","item":[${json}]}`);
  };

  it('accepts reasonable nesting', () => {
    expect(errors(nested(40))).toEqual([]);
  });

  it('rejects 10,000 levels with a single issue and without overflowing the stack', () => {
    const result = errors(nested(10_000));
    expect(result).toHaveLength(1);
    expect(result[0][0]).toBe('structure');
    expect(result[0][1]).toMatch(/^Questionnaire\.item\[0\](\.item\[0\])+$/);
  });

  it('stops at depth even through nested extensions', () => {
    let ext: object = { url: 'u', valueString: 'v' };
    for (let i = 0; i < 10_000; i++) ext = { url: 'u', extension: [ext] };
    expect(errors({ resourceType: 'Patient', extension: [ext] })).toHaveLength(1);
  });
});
