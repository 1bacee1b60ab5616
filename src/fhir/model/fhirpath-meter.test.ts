import type { SearchParameter } from '@medplum/fhirtypes';
import * as fhirpath from 'fhirpath';
import r4model from 'fhirpath/fhir-context/r4';
import { loadDefinitions } from '../conformance/definitions';
import { createExtractor } from '../search/extract';
import { compileInvariant } from '../validation/profile-invariants';
import { FhirPathTooCostly, METERED_OPTIONS, metered } from './fhirpath-meter';

const patient = { resourceType: 'Patient', id: 'p', name: Array.from({ length: 10 }, (_, i) => ({ family: `F${i}` })) };
/** `select` nested `depth` deep over the 10 names: 10^depth evaluations of the innermost path. */
const nested = (depth: number) => 'Patient.name' + '.select(%context.name'.repeat(depth) + ')'.repeat(depth) + '.family';

function timed(fn: () => unknown): { ms: number; error?: unknown } {
  const started = Date.now();
  try {
    fn();
    return { ms: Date.now() - started };
  } catch (error) {
    return { ms: Date.now() - started, error };
  }
}

describe('metered FHIRPath evaluation', () => {
  const evaluate = (expression: string) => metered('test', () => fhirpath.evaluate(patient, expression, {}, r4model, METERED_OPTIONS));

  it('lets ordinary expressions run and return their result', () => {
    expect(evaluate(nested(2))).toHaveLength(1000);
    expect(evaluate("Patient.name.where(family = 'F3').family")).toEqual(['F3']);
  });

  it('stops a nested select six deep quickly with 422 too-costly', () => {
    const { ms, error } = timed(() => evaluate(nested(6)));
    expect(error).toBeInstanceOf(FhirPathTooCostly);
    expect((error as FhirPathTooCostly).status).toBe(422);
    expect((error as FhirPathTooCostly).issues[0].code).toBe('too-costly');
    expect(ms).toBeLessThan(1500);
  });

  it('refuses a single collection that is too large', () => {
    const big = { resourceType: 'Patient', id: 'b', name: Array.from({ length: 20 }, () => ({ given: Array.from({ length: 10 }, (_, i) => `g${i}`) })) };
    const { error } = timed(() => metered('test', () => fhirpath.evaluate(big, 'Patient.name.given', {}, r4model, METERED_OPTIONS), { maxSteps: 1e6, maxItems: 100, maxTotalItems: 1e6 }));
    expect(error).toBeInstanceOf(FhirPathTooCostly);
  });

  it('does not meter evaluations outside metered()', () => {
    expect(fhirpath.evaluate(patient, nested(2), {}, r4model, METERED_OPTIONS)).toHaveLength(1000);
  });
});

describe('where FHIRPath is evaluated', () => {
  it('an invariant too costly to evaluate is refused with 422, not run to the end', () => {
    const invariant = compileInvariant({ key: 'cost-1', severity: 'error', human: 'costly', expression: `${nested(6).replace(/^Patient\./, '')}.exists() or true` }, 'Patient');
    const { ms, error } = timed(() => invariant.holds(patient, patient));
    expect(error).toBeInstanceOf(FhirPathTooCostly);
    expect(ms).toBeLessThan(1500);
  });

  it('a search expression evaluated by fhirpath.js is bounded: the resource is indexed without it, quickly', () => {
    const costly: SearchParameter = {
      resourceType: 'SearchParameter', url: 'urn:test:sp:costly', name: 'costly', status: 'active', code: 'costly', description: 'costly',
      base: ['Patient'], type: 'string', expression: nested(6),
    };
    const extractor = createExtractor(loadDefinitions({ extra: [costly] }));
    let entries: { code: string }[] = [];
    const { ms } = timed(() => (entries = extractor.extract(patient as never)));
    expect(ms).toBeLessThan(1500);
    expect(entries.some((e) => e.code === 'costly')).toBe(false);
    expect(entries.some((e) => e.code === 'family')).toBe(true);
  });
});
