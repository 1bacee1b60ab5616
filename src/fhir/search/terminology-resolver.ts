import { badRequest } from '../../kernel/errors';
import type { Definitions } from '../conformance/definitions';
import { ValueSetCodeResolver } from '../validation/value-set-codes';

export interface Coding {
  /** '' when the codes are bare `code` values with no system. */
  system: string;
  code: string;
}

/**
 * What the search compiler asks of terminology for token `:in`, `:not-in`, `:above`, `:below`. Answers are
 * finite code sets (the index has no hierarchy). Undefined means "cannot answer" and the search is refused.
 * The terminology issue will plug a CodeSystem/ValueSet-backed implementation in here.
 */
export interface TerminologyResolver {
  /** The codes of a ValueSet (canonical URL, optional `|version`). */
  expand(valueSetUrl: string): Coding[] | undefined;
  /** `code` and every code it subsumes (`below`) or that subsume it (`above`) in `system`. */
  subsumption(system: string, code: string, direction: 'above' | 'below'): Coding[] | undefined;
}

/** Larger expansions are refused: they would not be an index search any more. */
export const MAX_EXPANDED_CODES = 1000;

/**
 * Without loaded terminology: the R4 ValueSets that are enumerable from the definitions themselves (those of
 * required bindings: administrative-gender, observation-status...) expand; nothing else does.
 */
export function definitionsTerminology(definitions: Definitions): TerminologyResolver {
  const valueSets = new ValueSetCodeResolver(definitions);
  return {
    expand(url) {
      const codes = valueSets.codes(url);
      if (!codes) return undefined;
      return [...codes.bySystem].flatMap(([system, set]) => [...set].map((code) => ({ system, code })));
    },
    subsumption: () => undefined,
  };
}

const cache = new WeakMap<Definitions, TerminologyResolver>();

export function defaultTerminology(definitions: Definitions): TerminologyResolver {
  let resolver = cache.get(definitions);
  if (!resolver) cache.set(definitions, (resolver = definitionsTerminology(definitions)));
  return resolver;
}

/** The codes a terminology modifier stands for, or 400 naming the parameter. */
export function resolveCodes(
  terminology: TerminologyResolver, name: string, modifier: string, system: string | undefined, code: string | undefined, raw: string,
): Coding[] {
  let codes: Coding[] | undefined;
  if (modifier === 'in' || modifier === 'not-in') {
    codes = terminology.expand(raw);
  } else {
    if (system === undefined || system === '' || code === undefined) {
      throw badRequest(`${name}: :${modifier} expects system|code`, name);
    }
    codes = terminology.subsumption(system, code, modifier as 'above' | 'below');
  }
  if (codes === undefined) {
    throw badRequest(`${name}: :${modifier} on '${raw}' is not supported until terminology is loaded`, name);
  }
  if (codes.length > MAX_EXPANDED_CODES) {
    throw badRequest(`${name}: '${raw}' expands to ${codes.length} codes (at most ${MAX_EXPANDED_CODES})`, name);
  }
  return codes;
}
