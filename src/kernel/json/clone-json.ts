import { EXACT_TEXTS, copyExactTexts } from './exact-numbers';

/** A deep copy of a JSON tree that keeps exact number texts (structuredClone drops them). */
export function cloneJson<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  let copy: unknown;
  if (Array.isArray(value)) copy = value.map(cloneJson);
  else {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) out[key] = cloneJson((value as Record<string, unknown>)[key]);
    copy = out;
  }
  if ((value as Record<symbol, unknown>)[EXACT_TEXTS] !== undefined) copyExactTexts(value, copy as object);
  return copy as T;
}
