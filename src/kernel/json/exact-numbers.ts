/**
 * Numbers whose JSON text a JS number cannot reproduce (`12.80`, `1e2`, `-0`, `18446744073709551616`,
 * `1e-400`) stay plain numbers in the tree, so validation, search and FHIRPath see ordinary values, and their
 * text rides beside them: a table on the object or array that holds them, under a symbol (enumerable, so
 * object spreads carry it; JSON.stringify, Object.keys and for…in never see it), plus a non-enumerable
 * `toJSON` through which JSON.stringify asks for the text (see write-json.ts).
 *
 * A text is used only while the slot still holds the number it denotes: a patch that sets another value makes
 * the old text fall away by itself.
 */
export const EXACT_TEXTS = Symbol('exact number texts');

type Holder = Record<string | symbol, unknown>;
type Texts = Record<string, string>;

/** Starts a marker string the writer turns back into the raw number text. FHIR strings never hold U+0000. */
export const NUMBER_MARK = '\u0000';

/** The number text as written for `holder[key]`, when it differs from what a JS number would print. */
export function exactText(holder: unknown, key: string | number): string | undefined {
  if (holder === null || typeof holder !== 'object') return undefined;
  const texts = (holder as Holder)[EXACT_TEXTS] as Texts | undefined;
  if (texts === undefined) return undefined;
  const text = texts[key];
  const value = (holder as Holder)[key];
  return text !== undefined && typeof value === 'number' && Number(text) === value ? text : undefined;
}

/** Gives a freshly parsed object or array the texts of its numbers (once per holder). */
export function attachExactTexts(holder: object, texts: Texts): void {
  (holder as Holder)[EXACT_TEXTS] = texts;
  Object.defineProperty(holder, 'toJSON', { value: exactToJSON, configurable: true, writable: true });
}

/** Whether `value` carries number texts but lost its toJSON (an object spread copies symbols, not toJSON). */
export function lostToJSON(value: unknown): boolean {
  return value !== null && typeof value === 'object' && (value as Holder)[EXACT_TEXTS] !== undefined
    && !Object.prototype.hasOwnProperty.call(value, 'toJSON');
}

/** Carries the number texts of `from` onto `to`, a rebuilt copy of it (e.g. a _summary or _elements subset). */
export function copyExactTexts(from: object, to: object): void {
  const texts = (from as Holder)[EXACT_TEXTS] as Texts | undefined;
  if (texts !== undefined) attachExactTexts(to, texts);
}

let writing = 0;

/** Runs `write` with exact texts switched on; outside writeJson, JSON.stringify sees plain numbers. */
export function withExactTexts<T>(write: () => T): T {
  writing++;
  try {
    return write();
  } finally {
    writing--;
  }
}

/**
 * JSON.stringify's view of a holder: within writeJson, a shallow copy with each exact number replaced by its
 * marked text; elsewhere the holder itself (so a plain JSON.stringify never emits marks).
 */
export function exactToJSON(this: Holder): unknown {
  if (writing === 0) return this;
  const texts = this[EXACT_TEXTS] as Texts;
  const copy = (Array.isArray(this) ? [...this] : { ...this }) as Holder;
  for (const key in texts) {
    const text = exactText(this, key);
    if (text !== undefined) copy[key] = NUMBER_MARK + text;
  }
  return copy;
}
