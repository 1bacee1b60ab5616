import type { SearchParameter } from '@medplum/fhirtypes';
import type { VersionRecord } from '../../store/store';

/**
 * A parsed FHIR search, independent of any store. Parsing (parse-search.ts) turns a query string into this;
 * each backend compiles it into its own query language. Values are already validated and typed, so nothing
 * a client sends reaches a database as syntax.
 */
export interface SearchRequest {
  /** The searched types: one for type-level search, several (or all) for system-level `_type`. */
  resourceTypes: string[];
  /** AND of filters; each filter is an OR of its values. */
  filters: SearchFilter[];
  sort: SortRule[];
  /** Page size (default 20, at most 1000). 0 asks for the total only. */
  count: number;
  offset: number;
  /**
   * none: no total. accurate: always counted. estimate: the total when it is cheap to know: the page holds
   * the last match (no next page, and the offset reached a match), or a count capped at ESTIMATED_TOTAL_CAP
   * finds no more than that many (more: no total).
   */
  total: 'none' | 'estimate' | 'accurate';
  /** Restricts to a compartment, e.g. Patient/123/ImagingStudy. */
  compartment?: CompartmentRestriction;
  /** `_include` rules (Observation:subject, Observation:subject:Patient, *, :iterate), applied to each page. */
  include?: IncludeRule[];
  /** `_revinclude` rules (Provenance:target...): resources of `resourceType` whose `code` points at a page entry. */
  revinclude?: IncludeRule[];
  /**
   * Keyset position from the previous page (see SearchCursor). When present, `offset` is ignored. The backend
   * produces cursors in SearchResult.next/previous; the REST layer carries them signed and opaque.
   */
  cursor?: SearchCursor;
}

/**
 * A compartment a search is restricted to: `resourceType/id` (Patient/123), or any of several of them (`ids`,
 * which then lists every id, `id` included: a patient's linked records). `otherTypes: 'open'` leaves the
 * searched types that the compartment definition does not list unrestricted (a confinement: a patient's
 * token sees its compartment and the shared resources such as Organization); by default they match nothing.
 */
export interface CompartmentRestriction {
  resourceType: string;
  id: string;
  ids?: readonly string[];
  otherTypes?: 'open';
}

/** The most matches an estimated total counts; a search with more has no total unless _total=accurate. */
export const ESTIMATED_TOTAL_CAP = 10_000;

/**
 * One `_include`/`_revinclude` rule. `code` is a reference parameter of `resourceType`, or '*' for every
 * reference parameter of that type. `targetType` restricts the followed references (`Observation:subject:Patient`).
 * `iterate` (`:iterate`, R4 also accepts `:recurse`) applies the rule again to what was included, up to a depth cap.
 */
export interface IncludeRule {
  resourceType: string;
  code: string;
  targetType?: string;
  iterate: boolean;
}

/**
 * A keyset paging position, store-neutral: the sort key values of the boundary row in `SortRule` order
 * (null = the row has no value for that key) followed by a backend tie-breaker (rid for SQLite, _id for
 * MongoDB). `after`: rows strictly after it in sort order (next page); otherwise rows strictly before it
 * (previous page, returned in normal order).
 */
export interface SearchCursor {
  keys: (string | number | null)[];
  after: boolean;
}

/**
 * One step of a chain, walked from the searched type outwards. `forward`: follow the reference parameter
 * `code` of the current types to `targetTypes` (`subject:Patient.name`, `subject.identifier`). `reverse`
 * (`_has:Observation:subject:...`): go to the resources of `resourceType` whose reference parameter `code`
 * points at the current resource.
 */
export type ChainLink =
  | { direction: 'forward'; code: string; param: SearchParameter; targetTypes: string[] }
  | { direction: 'reverse'; resourceType: string; code: string; param: SearchParameter };

export interface SortRule {
  /** Parameter code (`_id`, `_lastUpdated`, or any parameter of the type). */
  code: string;
  descending: boolean;
}

export type SearchPrefix = 'eq' | 'ne' | 'gt' | 'lt' | 'ge' | 'le' | 'sa' | 'eb' | 'ap';

export type SearchValue =
  /** Normalised (lower case, accents removed) unless the modifier is `exact`. */
  | { kind: 'string'; value: string }
  /** `system` undefined: any system; '' : no system (`|code`). `code` undefined: any code (`system|`). */
  | { kind: 'token'; system?: string; code?: string }
  /** Either a local target (type may be unknown when only an id was given) or an absolute/canonical url. */
  | { kind: 'reference'; targetType?: string; id?: string; url?: string; version?: string }
  /** The implicit range of the value's precision, in epoch milliseconds, [low, high] inclusive. */
  | { kind: 'date'; prefix: SearchPrefix; low: number; high: number }
  | { kind: 'number'; prefix: SearchPrefix; value: number; low: number; high: number }
  | { kind: 'quantity'; prefix: SearchPrefix; value: number; low: number; high: number; system?: string; code?: string }
  | { kind: 'uri'; value: string }
  | { kind: 'missing'; missing: boolean }
  /** `a$b...`: one value per component, in SearchParameter.component order, matched on the same element. */
  | { kind: 'composite'; components: SearchValue[] }
  /**
   * A token expanded to a code set (`:in`, `:not-in`, `:above`, `:below`) by a TerminologyResolver; an empty
   * system means a `code` element without system. Compiled like OR of system|code tokens.
   */
  | { kind: 'codes'; codes: { system: string; code: string }[] };

export interface SearchFilter {
  /** The parameter code as sent (`subject`, `_id`, `birthdate`...). */
  code: string;
  /** The definition behind the code (a synthetic one for `_id`). */
  param: SearchParameter;
  modifier?: string;
  /** OR of values; never empty. */
  values: SearchValue[];
  /**
   * Present for chained (`subject:Patient.name=x`) and reverse-chained (`_has:Observation:subject:code=x`)
   * parameters: the links from the searched types to the resources that `code`/`param`/`values` test, whose
   * types are those of the last link (`targetTypes` or `resourceType`). Then `code` is the final parameter.
   */
  chain?: ChainLink[];
}

export interface SearchResult {
  /** The matching current versions of this page, in sort order. */
  entries: VersionRecord[];
  /** Resources added by _include/_revinclude (not also in entries), at most a cap per page. */
  included: VersionRecord[];
  /** Non-fatal notes for the client (e.g. includes truncated at the cap), shown as a warning OperationOutcome. */
  warnings?: string[];
  /** Keyset cursors of the neighbouring pages, when the backend pages by keyset (absent: no such page). */
  next?: SearchCursor;
  previous?: SearchCursor;
  /** Present when the request asked for a total (and the backend could give one). */
  total?: number;
  /** Whether a page follows this one. */
  hasMore: boolean;
}
