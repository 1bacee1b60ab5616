import type { CodeSystem, CodeSystemConcept, Coding } from '@medplum/fhirtypes';
import { readExamples, readJsonFolder } from './ig-files';

const codeSystems = readJsonFolder('terminology')
  .map((f) => f.resource)
  .filter((r): r is CodeSystem => r.resourceType === 'CodeSystem');

function conceptCount(concepts: CodeSystemConcept[] = []): number {
  return concepts.reduce((n, c) => n + 1 + conceptCount(c.concept), 0);
}

function allConcepts(concepts: CodeSystemConcept[] = []): CodeSystemConcept[] {
  return concepts.flatMap((c) => [c, ...allConcepts(c.concept)]);
}

/** Every Coding in a resource (any object with system and code). */
function codings(value: unknown): Coding[] {
  if (Array.isArray(value)) return value.flatMap(codings);
  if (!value || typeof value !== 'object') return [];
  const here = 'system' in value && 'code' in value ? [value as Coding] : [];
  return [...here, ...Object.values(value).flatMap(codings)];
}

describe('terminology/ CodeSystems', () => {
  it('are there', () => {
    expect(codeSystems.length).toBeGreaterThanOrEqual(5);
  });

  it.each(codeSystems.map((cs) => [cs.id, cs] as const))('%s: count is at least the number of concepts listed', (_id, cs) => {
    const listed = conceptCount(cs.concept);
    if (cs.content === 'complete') expect(cs.count ?? listed).toBe(listed);
    else expect(cs.count ?? listed).toBeGreaterThanOrEqual(listed);
  });
});

describe('ig/examples use the shipped code systems as they are', () => {
  const byUrl = new Map(codeSystems.map((cs) => [cs.url as string, cs]));
  const used = readExamples().flatMap(({ file, resource }) =>
    codings(resource)
      .filter((c) => byUrl.has(c.system as string))
      .map((c) => [`${file} ${c.system}#${c.code}`, c] as const),
  );

  it('some example codes come from them', () => {
    expect(used.length).toBeGreaterThan(3);
  });

  it.each(used)('%s: the code exists and the display is the code system one', (_where, coding) => {
    const concept = allConcepts(byUrl.get(coding.system as string)?.concept).find((c) => c.code === coding.code);
    expect(concept?.code).toBe(coding.code);
    if (coding.display !== undefined) expect(coding.display).toBe(concept?.display);
  });
});
