import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDefinitions } from '../conformance/definitions';
import { createValidator } from './create-validator';

const EXAMPLES = join(require.resolve('hl7.fhir.r4.examples/package.json'), '..');
const validator = createValidator(loadDefinitions());

/**
 * Examples of the R4 specification that really break R4 (each reason checked by reading the example), with
 * the expression of the first error they raise. Every other example must validate without error.
 */
const REJECTED: Record<string, { reason: string; expression: string }> = {
  'DeviceMetric-example.json': {
    reason: 'parent references DeviceDefinition/dc102; DeviceMetric.parent may only reference Device',
    expression: 'DeviceMetric.parent.reference',
  },
  'DeviceUseStatement-example.json': {
    reason: 'reasonReference is Procedure/example; R4 allows Condition, Observation, DiagnosticReport, DocumentReference, Media',
    expression: 'DeviceUseStatement.reasonReference[0].reference',
  },
  'MedicationRequest-medrx0301.json': {
    reason: 'dispenseRequest.performer references Practitioner/f001; R4 allows only Organization',
    expression: 'MedicationRequest.dispenseRequest.performer.reference',
  },
  'Observation-clinical-gender.json': {
    reason: 'performer references Encounter/example, which is not an allowed performer type',
    expression: 'Observation.performer[0].reference',
  },
  'Questionnaire-qs1.json': {
    reason: 'nested items have no linkId, which is 1..1',
    expression: 'Questionnaire.item[0].item[0].linkId',
  },
  'ImplementationGuide-fhir.json': {
    reason: 'a manifest reference names an id of 67 characters (max 64); name and status (1..1) are missing',
    expression: 'ImplementationGuide.manifest.resource[11904].reference.reference',
  },
  'ig-r4.json': {
    reason: 'same content as ImplementationGuide-fhir.json',
    expression: 'ImplementationGuide.manifest.resource[11904].reference.reference',
  },
  'SearchParameter-questionnaireresponse-extensions-QuestionnaireResponse-item-subject.json': {
    reason: 'the id has 67 characters; an id has at most 64',
    expression: 'SearchParameter.id',
  },
  ...Object.fromEntries(
    ['CodeSystem', 'ValueSet'].flatMap((type) =>
      ['author', 'effective', 'end', 'keyword', 'workflow'].map((p) => [
        `SearchParameter-${type.toLowerCase()}-extensions-${type}-${p}.json`,
        { reason: 'base (1..1) is missing', expression: 'SearchParameter.base' },
      ]),
    ),
  ),
};

const REQUIRED_TYPES = [
  'Patient',
  'ImagingStudy',
  'ServiceRequest',
  'DiagnosticReport',
  'Observation',
  'Endpoint',
  'Organization',
  'Practitioner',
];

interface Outcome {
  file: string;
  type: string;
  firstError?: string;
  diagnostics?: string;
}

function validateAll(): Outcome[] {
  const outcomes: Outcome[] = [];
  for (const file of readdirSync(EXAMPLES).sort()) {
    if (!file.endsWith('.json') || file === 'package.json' || file.startsWith('.')) continue;
    const resource = JSON.parse(readFileSync(join(EXAMPLES, file), 'utf8')) as { resourceType?: string };
    if (typeof resource.resourceType !== 'string') continue;
    const firstError = validator.validate(resource).find((i) => i.severity === 'error');
    outcomes.push({ file, type: resource.resourceType, firstError: firstError?.expression?.[0], diagnostics: firstError?.diagnostics });
  }
  return outcomes;
}

describe('R4 specification examples', () => {
  const outcomes = validateAll();

  it('covers the examples of every type', () => {
    expect(outcomes.length).toBeGreaterThan(5000);
    for (const type of REQUIRED_TYPES) expect(outcomes.filter((o) => o.type === type).length).toBeGreaterThan(0);
  });

  it.each(REQUIRED_TYPES)('validates every %s example, except the listed ones', (type) => {
    const failures = outcomes.filter((o) => o.type === type && o.firstError && !REJECTED[o.file]);
    expect(failures).toEqual([]);
  });

  it('validates every example of every type, except exactly the listed ones, for the listed reason', () => {
    const rejected = outcomes.filter((o) => o.firstError).map((o) => [o.file, o.firstError]);
    const expected = Object.entries(REJECTED).map(([file, r]) => [file, r.expression]);
    expect(rejected.sort()).toEqual(expected.sort());
    const byType = new Map<string, number>();
    for (const o of outcomes) byType.set(o.type, (byType.get(o.type) ?? 0) + 1);
    console.log(`${outcomes.length} examples of ${byType.size} types: ${outcomes.length - rejected.length} valid, ${rejected.length} rejected`);
  });
});
