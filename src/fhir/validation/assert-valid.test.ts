import { FhirError } from '../../kernel/errors';
import { loadDefinitions } from '../conformance/definitions';
import { assertValid } from './assert-valid';
import { createValidator } from './create-validator';

const validator = createValidator(loadDefinitions());

function thrown(resource: unknown): FhirError {
  try {
    assertValid(validator, resource);
  } catch (e) {
    if (e instanceof FhirError) return e;
    throw e;
  }
  throw new Error('assertValid did not throw');
}

describe('assertValid', () => {
  it('returns quietly for a valid resource', () => {
    expect(assertValid(validator, { resourceType: 'Patient', gender: 'male' })).toEqual([]);
  });

  it('answers 400 when any issue is structural, with all issues', () => {
    const error = thrown({ resourceType: 'Patient', gender: 'x', foo: 1, birthDate: '1970-02-30' });
    expect(error.status).toBe(400);
    expect(error.issues.map((i) => i.expression?.[0])).toEqual(['Patient.gender', 'Patient.foo', 'Patient.birthDate']);
    expect(error.outcome.resourceType).toBe('OperationOutcome');
  });

  it('answers 400 for JSON that is not a resource', () => {
    expect(thrown('[]').status).toBe(400);
    expect(thrown({ resourceType: 'Unknown' }).status).toBe(400);
  });

  it('answers 422 when all issues are rule violations (cardinality, binding, invariants)', () => {
    const error = thrown({ resourceType: 'Observation', status: 'done', extension: [{ url: 'u' }] });
    expect(error.status).toBe(422);
    expect(error.issues.map((i) => [i.code, i.expression?.[0]])).toEqual([
      ['code-invalid', 'Observation.status'],
      ['invariant', 'Observation.extension[0]'],
      ['required', 'Observation.code'],
    ]);
  });
});
