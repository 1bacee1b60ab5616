/**
 * Store-neutral search-index entries extracted from one resource. Every backend stores these rows (SQLite
 * tables, MongoDB sub-documents) and compiles a SearchRequest against them.
 *
 * `code` is the search parameter code, or a derived code for sub-indexes of a parameter:
 *   `<code>:text`       (string kind) display/text of token values, for `:text`
 *   `<code>:of-type`    (token kind)  Identifier.type coding + value, system = type system, code = `typeCode|value`
 *   `<code>:identifier` (token kind)  Reference.identifier of a reference parameter, for `:identifier`
 * `group` numbers the element a value came from (0-based, per parameter) so composite parameters can later
 * require same-element matches; 0 when it does not matter.
 */
export type IndexEntry =
  | StringEntry
  | TokenEntry
  | ReferenceEntry
  | DateEntry
  | NumberEntry
  | QuantityEntry
  | UriEntry;

interface Base {
  code: string;
  group: number;
}

/** norm: normalised (see normalize.ts) for starts-with/contains; exact: the original text for `:exact`. */
export interface StringEntry extends Base {
  kind: 'string';
  norm: string;
  exact: string;
}

/** system '' means "no system" (so `|code` is an equality); code '' means "no code" (system only). */
export interface TokenEntry extends Base {
  kind: 'token';
  system: string;
  value: string;
}

/** Local references carry targetType/targetId; absolute URLs and canonicals carry url (and version). */
export interface ReferenceEntry extends Base {
  kind: 'reference';
  targetType: string | null;
  targetId: string | null;
  url: string | null;
  version: string | null;
}

/** Inclusive epoch-ms range of the value's precision (or of the Period/Timing). */
export interface DateEntry extends Base {
  kind: 'date';
  low: number;
  high: number;
}

/** low/high: the implicit precision range of the stored value (R4 3.1.1.4.2). */
export interface NumberEntry extends Base {
  kind: 'number';
  value: number;
  low: number;
  high: number;
}

export interface QuantityEntry extends Base {
  kind: 'quantity';
  value: number;
  low: number;
  high: number;
  system: string;
  unit: string;
}

export interface UriEntry extends Base {
  kind: 'uri';
  value: string;
}

/** Bounds used for open-ended ranges (a Period without end...). Within the range of JS Date. */
export const MIN_TIME = -8.64e15;
export const MAX_TIME = 8.64e15;
