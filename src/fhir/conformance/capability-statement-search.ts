import { ESTIMATED_TOTAL_CAP } from '../search/search-request';

/**
 * What the search engine supports, said once for the CapabilityStatement (rest.documentation and each
 * resource's searchInclude/searchRevInclude) so clients need not discover it by trial.
 */
export const SEARCHABLE_TYPES = new Set(['string', 'token', 'reference', 'date', 'number', 'quantity', 'uri', 'composite']);

/** R4 common parameters this server does not implement (reported as unknown: 400 under handling=strict). */
export const UNSUPPORTED_PARAMETERS = new Set(['_text', '_content', '_query', '_filter']);

export const SEARCH_DOCUMENTATION = [
  'Search: every R4 SearchParameter of type string, token, reference, date, number, quantity, uri and composite',
  '(same-element semantics), plus _id, _lastUpdated, _tag, _profile, _security, _source, _list, _has (nested),',
  'forward chains over up to 4 links (typed, or untyped when the targets agree on the parameter type), _type at',
  'system level, and the Patient compartment.',
  'Modifiers: string :exact :contains :missing; token :not :text :of-type :missing, :in/:not-in for ValueSets',
  'enumerable from the R4 definitions (others, and :above/:below, answer 400 until terminology is loaded);',
  'reference :[type] :identifier :missing; uri :above :below; :missing on every type.',
  'Results: _sort on several keys (any parameter, - for descending), _count (max 1000), keyset paging with',
  'signed _cursor links (stable while data changes), Bundle.total when it is cheap to know (by default and with',
  `_total=estimate: when the page holds the last match, or when there are at most ${ESTIMATED_TOTAL_CAP} matches), _total=none to`,
  'skip it, _total=accurate to always count, _summary, _elements, _include/_revinclude with :iterate (3 rounds) and *,',
  'at most 1000 included resources per page (then a warning outcome entry).',
  'Not supported: _text, _content, _query, _filter, _contained, _containedType, chains into absolute URLs.',
].join(' ');

/** rest.documentation sentence on unknown search parameters, for the operator's searchHandling. */
export function searchHandlingDocumentation(handling: 'lenient' | 'strict'): string {
  return handling === 'strict'
    ? 'Unknown search parameters are refused with 400 and an OperationOutcome (this deployment is configured strict); ' +
        'a client may send Prefer: handling=lenient to have them ignored instead.'
    : 'Unknown search parameters are ignored (R4 lenient handling): the search runs without them, the Bundle has a ' +
        'warning OperationOutcome entry naming them and its links leave them out; a client may send Prefer: handling=strict to get a 400 instead.';
}
