import type { Parameters, ParametersParameter, Patient } from '@medplum/fhirtypes';
import type { FhirError } from '../../kernel/errors';
import { loadDefinitions } from '../conformance/definitions';
import { applyFhirPathPatch } from './patch-fhirpath';

const definitions = loadDefinitions();

function op(type: string, path: string, extra: ParametersParameter[] = []): ParametersParameter {
  return { name: 'operation', part: [{ name: 'type', valueCode: type }, { name: 'path', valueString: path }, ...extra] };
}
const params = (...operation: ParametersParameter[]): Parameters => ({ resourceType: 'Parameters', parameter: operation });

function statusOf(fn: () => unknown): number | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    return (e as FhirError).status;
  }
}

const patient: Patient = {
  resourceType: 'Patient',
  id: 'p1',
  active: true,
  birthDate: '1970-01-01',
  name: [{ family: 'Doe', given: ['A', 'B', 'C'] }],
  identifier: [{ system: 's', value: '1' }, { system: 's', value: '2' }],
};

describe('applyFhirPathPatch', () => {
  it('adds, inserts, replaces, moves and deletes', () => {
    const result = applyFhirPathPatch(
      definitions,
      patient,
      params(
        op('add', 'Patient', [{ name: 'name', valueString: 'gender' }, { name: 'value', valueCode: 'female' }]),
        op('add', 'Patient', [{ name: 'name', valueString: 'telecom' }, { name: 'value', valueContactPoint: { system: 'phone', value: '1' } }]),
        op('add', 'Patient', [{ name: 'name', valueString: 'deceased' }, { name: 'value', valueBoolean: false }]),
        op('insert', 'Patient.identifier', [{ name: 'value', valueIdentifier: { system: 's', value: '0' } }, { name: 'index', valueInteger: 0 }]),
        op('replace', 'Patient.birthDate', [{ name: 'value', valueDate: '1980-02-02' }]),
        op('replace', "Patient.name.given.where($this = 'B')", [{ name: 'value', valueString: 'Bee' }]),
        op('move', 'Patient.name.given', [{ name: 'source', valueInteger: 2 }, { name: 'destination', valueInteger: 0 }]),
        op('delete', 'Patient.active'),
        op('delete', "Patient.identifier.where(value = '2')"),
        op('insert', 'Patient.address', [{ name: 'value', part: [{ name: 'city', valueString: 'Lyon' }] }, { name: 'index', valueInteger: 0 }]),
      ),
    );
    expect(result).toEqual({
      resourceType: 'Patient',
      id: 'p1',
      birthDate: '1980-02-02',
      gender: 'female',
      deceasedBoolean: false,
      telecom: [{ system: 'phone', value: '1' }],
      name: [{ family: 'Doe', given: ['C', 'A', 'Bee'] }],
      identifier: [{ system: 's', value: '0' }, { system: 's', value: '1' }],
      address: [{ city: 'Lyon' }],
    });
    expect(patient.active).toBe(true);
  });

  it('rejects malformed patches with 400 and inapplicable ones with 422', () => {
    expect(statusOf(() => applyFhirPathPatch(definitions, patient, { resourceType: 'Patient' }))).toBe(400);
    expect(statusOf(() => applyFhirPathPatch(definitions, patient, params(op('explode', 'Patient'))))).toBe(400);
    expect(statusOf(() => applyFhirPathPatch(definitions, patient, params(op('replace', 'Patient.(', [{ name: 'value', valueString: 'x' }]))))).toBe(400);
    expect(statusOf(() => applyFhirPathPatch(definitions, patient, params(op('replace', 'Patient.name.given', [{ name: 'value', valueString: 'x' }]))))).toBe(422);
    expect(statusOf(() => applyFhirPathPatch(definitions, patient, params(op('replace', 'Patient.gender', [{ name: 'value', valueCode: 'x' }]))))).toBe(422);
    expect(statusOf(() => applyFhirPathPatch(definitions, patient, params(op('add', 'Patient', [{ name: 'name', valueString: 'birthDate' }, { name: 'value', valueDate: '2000' }]))))).toBe(422);
    expect(statusOf(() => applyFhirPathPatch(definitions, patient, params(op('add', 'Patient', [{ name: 'name', valueString: 'nonsense' }, { name: 'value', valueDate: '2000' }]))))).toBe(422);
    expect(statusOf(() => applyFhirPathPatch(definitions, patient, params(op('move', 'Patient.identifier', [{ name: 'source', valueInteger: 5 }, { name: 'destination', valueInteger: 0 }]))))).toBe(422);
  });

  it('refuses prototype-polluting paths, names and values', () => {
    expect(statusOf(() => applyFhirPathPatch(definitions, patient, params(op('delete', 'Patient.__proto__'))))).toBe(400);
    expect(statusOf(() => applyFhirPathPatch(definitions, patient, params(op('add', 'Patient', [{ name: 'name', valueString: 'constructor' }, { name: 'value', valueString: 'x' }]))))).toBe(400);
    const value = JSON.parse('{"name":"value","valueHumanName":{"__proto__":{"polluted":1}}}');
    expect(statusOf(() => applyFhirPathPatch(definitions, patient, params(op('add', 'Patient', [{ name: 'name', valueString: 'name' }, value]))))).toBe(400);
    expect(({} as any).polluted).toBeUndefined();
  });
});
