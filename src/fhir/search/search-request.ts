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
  total: 'none' | 'estimate' | 'accurate';
  /** Restricts to a compartment, e.g. Patient/123/ImagingStudy. */
  compartment?: { resourceType: string; id: string };
}

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
  | { kind: 'missing'; missing: boolean };

export interface SearchFilter {
  /** The parameter code as sent (`subject`, `_id`, `birthdate`...). */
  code: string;
  /** The definition behind the code (a synthetic one for `_id`). */
  param: SearchParameter;
  modifier?: string;
  /** OR of values; never empty. */
  values: SearchValue[];
}

export interface SearchResult {
  /** The matching current versions of this page, in sort order. */
  entries: VersionRecord[];
  /** Resources added by _include/_revinclude (later issue). */
  included: VersionRecord[];
  /** Present when the request asked for a total (and the backend could give one). */
  total?: number;
  /** Whether a page follows this one. */
  hasMore: boolean;
}
