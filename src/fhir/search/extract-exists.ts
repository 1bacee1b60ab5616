import type { PathNode, PathProgram } from './extract-path';
import type { TypeModel } from './extract-types';

/** `Patient.deceased.exists() and Patient.deceased != false`: the R4 shape of a boolean token "is it so". */
const EXISTS_NOT_FALSE = /^([A-Z][A-Za-z]*)\.([a-z][A-Za-z0-9]*)\.exists\(\)\s+and\s+\1\.\2\s*!=\s*false$/;

/** Slot types whose JSON string makes `x != false` true (a date is never equal to a boolean). */
const DATE_TYPES = new Set(['date', 'dateTime', 'instant']);

/**
 * Compiles `X.e.exists() and X.e != false` over an element of boolean and date types (Patient.deceased[x]):
 * one boolean value, false when the element is absent, the boolean itself when it is a boolean, true when it
 * is a date. Only the shapes a valid resource can have are evaluated here; anything else (a primitive
 * extension `_deceasedBoolean`, two choice keys, a value of the wrong JSON type) goes to `slow`, the fhirpath
 * evaluation, so that the result is always the one the fhirpath package gives (extract-oracle.test.ts).
 * Returns undefined when the expression is not of this shape.
 */
export function compileExistsNotFalse(
  model: TypeModel, resourceType: string, part: string, slow: () => PathProgram,
): PathProgram | undefined {
  const m = EXISTS_NOT_FALSE.exec(part.trim());
  if (!m || m[1] !== resourceType) return undefined;
  const slots = model.child(resourceType, m[2]);
  if (!slots || slots.length === 0 || slots.some((s) => s.type !== 'boolean' && !DATE_TYPES.has(s.type))) return undefined;
  const keys = slots.map((s) => s.key);
  const extensionKeys = keys.map((k) => `_${k}`);
  const isBoolean = slots.map((s) => s.type === 'boolean');
  let slowProgram: PathProgram | undefined;
  const fallback = (resource: object) => (slowProgram ??= slow())(resource);
  return (resource) => {
    const r = resource as Record<string, unknown>;
    let result = false;
    let found = false;
    for (let i = 0; i < keys.length; i++) {
      if (r[extensionKeys[i]] !== undefined) return fallback(resource);
      const v = r[keys[i]];
      if (v === undefined) continue;
      if (found) return fallback(resource);
      found = true;
      if (isBoolean[i] && typeof v === 'boolean') result = v;
      else if (!isBoolean[i] && typeof v === 'string') result = true;
      else return fallback(resource);
    }
    const node: PathNode = { v: result, t: 'boolean' };
    return [node];
  };
}
