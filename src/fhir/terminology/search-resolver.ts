import { FhirError } from '../../kernel/errors';
import type { Coding, TerminologyResolver } from '../search/terminology-resolver';
import type { TerminologyService } from './terminology-service';

/**
 * The search module's TerminologyResolver answered by the TerminologyService: `:in`/`:not-in` expand the
 * ValueSet (terminology/ and R4), `:above`/`:below` walk the CodeSystem hierarchy. Undefined (the search
 * answers 400) when the ValueSet or CodeSystem is unknown or cannot be expanded.
 */
export function terminologySearchResolver(service: TerminologyService): TerminologyResolver {
  return {
    expand(valueSetUrl) {
      try {
        return service.codes(valueSetUrl).map((i) => ({ system: i.system, code: i.code }));
      } catch (e) {
        if (e instanceof FhirError) return undefined;
        throw e;
      }
    },
    subsumption(system, code, direction) {
      const index = service.index(system);
      if (!index || index.codeSystem.content === 'not-present') return undefined;
      const concept = index.get(code);
      if (!concept) return [{ system, code }];
      const related = direction === 'below' ? index.descendants(concept.code) : index.ancestors(concept.code);
      return [concept.code, ...related].map((c): Coding => ({ system, code: c }));
    },
  };
}
