import type { ValueSet } from '@medplum/fhirtypes';
import { FhirError, issue } from '../../kernel/errors';

/**
 * Bounds on one expansion, well above what the R4 and loaded value sets need (at most 12 includes, 6,401
 * enumerated concepts and 8 filters in one compose): an inline or stored ValueSet cannot make the server
 * enumerate a code system thousands of times over.
 */
export const EXPANSION_LIMITS = {
  /** include + exclude entries of one compose. */
  maxIncludes: 1_000,
  /** Enumerated concepts over the includes and excludes of one compose. */
  maxConcepts: 10_000,
  /** Filters over the includes and excludes of one compose. */
  maxFilters: 1_000,
  /** Codes listed while expanding, nested value sets included, before duplicates are merged. */
  maxWork: 200_000,
  /** Length of a `regex` filter's pattern. */
  maxPatternLength: 1_000,
} as const;

export function tooCostly(message: string): FhirError {
  return new FhirError(400, [issue('too-costly', message)]);
}

/** 400 too-costly when a compose has more includes, concepts or filters than an expansion may handle. */
export function assertComposeWithinLimits(vs: ValueSet, name: string): void {
  const entries = [...(vs.compose?.include ?? []), ...(vs.compose?.exclude ?? [])];
  if (entries.length > EXPANSION_LIMITS.maxIncludes) {
    throw tooCostly(`ValueSet '${name}' has ${entries.length} includes and excludes: at most ${EXPANSION_LIMITS.maxIncludes} can be expanded`);
  }
  let concepts = 0;
  let filters = 0;
  for (const entry of entries) {
    concepts += Array.isArray(entry.concept) ? entry.concept.length : 0;
    filters += Array.isArray(entry.filter) ? entry.filter.length : 0;
  }
  if (concepts > EXPANSION_LIMITS.maxConcepts) {
    throw tooCostly(`ValueSet '${name}' enumerates ${concepts} concepts: at most ${EXPANSION_LIMITS.maxConcepts} can be expanded`);
  }
  if (filters > EXPANSION_LIMITS.maxFilters) {
    throw tooCostly(`ValueSet '${name}' has ${filters} filters: at most ${EXPANSION_LIMITS.maxFilters} can be expanded`);
  }
}
