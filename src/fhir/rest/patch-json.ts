import { FhirError, badRequest, issue } from '../../kernel/errors';
import { PatchBudget, type ResourceLimits } from './patch-budget';
import { cloneJson } from '../../kernel/json/clone-json';

/** RFC 6902 JSON Patch applied to a copy of a JSON document. */

type Json = unknown;
type Container = Record<string, Json> | Json[];

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

interface PatchOperation {
  op: string;
  path: string;
  from?: string;
  value?: Json;
}

/** A failed `test` operation: the patch was well formed but does not apply (422 per FHIR). */
function testFailed(index: number, path: string): FhirError {
  return new FhirError(422, [issue('processing', `JSON Patch test operation ${index} failed at "${path}"`, `Patch[${index}]`)]);
}

function opError(index: number, message: string): FhirError {
  return badRequest(`JSON Patch operation ${index}: ${message}`, `Patch[${index}]`);
}

/** Splits a JSON Pointer (RFC 6901) into unescaped tokens; refuses prototype-polluting keys. */
export function parsePointer(pointer: string, index = 0): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw opError(index, `"${pointer}" is not a JSON Pointer`);
  return pointer
    .slice(1)
    .split('/')
    .map((token) => {
      if (/~[^01]|~$/.test(token)) throw opError(index, `bad escape in "${pointer}"`);
      const key = token.replace(/~1/g, '/').replace(/~0/g, '~');
      if (FORBIDDEN_KEYS.has(key)) throw opError(index, `the key "${key}" is not allowed`);
      return key;
    });
}

function isContainer(value: Json): value is Container {
  return typeof value === 'object' && value !== null;
}

function arrayIndex(token: string, length: number, allowEnd: boolean, index: number): number {
  if (allowEnd && token === '-') return length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw opError(index, `"${token}" is not an array index`);
  const n = Number(token);
  if (n > length || (!allowEnd && n === length)) throw opError(index, `array index ${n} is out of range`);
  return n;
}

function hasOwn(obj: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

/** The container holding the last token, walking from the root. */
function parentOf(doc: Json, tokens: string[], index: number): Container {
  let node = doc;
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(node)) node = node[arrayIndex(token, node.length, false, index)];
    else if (isContainer(node) && hasOwn(node, token)) node = (node as Record<string, Json>)[token];
    else throw opError(index, `path "/${tokens.join('/')}" does not exist`);
  }
  if (!isContainer(node)) throw opError(index, `path "/${tokens.join('/')}" does not exist`);
  return node;
}

function getValue(doc: Json, tokens: string[], index: number): Json {
  if (tokens.length === 0) return doc;
  const parent = parentOf(doc, tokens, index);
  const last = tokens[tokens.length - 1];
  if (Array.isArray(parent)) return parent[arrayIndex(last, parent.length, false, index)];
  if (!hasOwn(parent, last)) throw opError(index, `path "/${tokens.join('/')}" does not exist`);
  return parent[last];
}

function addValue(doc: Json, tokens: string[], value: Json, index: number): Json {
  if (tokens.length === 0) return value;
  const parent = parentOf(doc, tokens, index);
  const last = tokens[tokens.length - 1];
  if (Array.isArray(parent)) parent.splice(arrayIndex(last, parent.length, true, index), 0, value);
  else parent[last] = value;
  return doc;
}

function removeValue(doc: Json, tokens: string[], index: number): Json {
  if (tokens.length === 0) throw opError(index, 'cannot remove the whole document');
  const parent = parentOf(doc, tokens, index);
  const last = tokens[tokens.length - 1];
  if (Array.isArray(parent)) {
    const removed = parent.splice(arrayIndex(last, parent.length, false, index), 1);
    return removed[0];
  }
  if (!hasOwn(parent, last)) throw opError(index, `path "/${tokens.join('/')}" does not exist`);
  const value = parent[last];
  delete parent[last];
  return value;
}

/** Structural equality as RFC 6902 `test` defines it (object key order does not matter). */
export function jsonEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  }
  if (!isContainer(a) || !isContainer(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => hasOwn(b, k) && jsonEqual((a as any)[k], (b as any)[k]));
}

function checkValueKeys(value: Json, index: number): void {
  const stack: Json[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (!isContainer(node)) continue;
    for (const key of Object.keys(node)) {
      if (!Array.isArray(node) && FORBIDDEN_KEYS.has(key)) throw opError(index, `the key "${key}" is not allowed`);
      stack.push((node as any)[key]);
    }
  }
}

function readOperation(raw: unknown, index: number): PatchOperation {
  if (!isContainer(raw) || Array.isArray(raw)) throw opError(index, 'an operation must be an object');
  const op = raw as Record<string, unknown>;
  if (typeof op.op !== 'string' || !OPS.has(op.op)) throw opError(index, `unknown op ${JSON.stringify(op.op)}`);
  if (typeof op.path !== 'string') throw opError(index, '"path" must be a string');
  if ((op.op === 'move' || op.op === 'copy') && typeof op.from !== 'string') throw opError(index, '"from" must be a string');
  if ((op.op === 'add' || op.op === 'replace' || op.op === 'test') && !hasOwn(op, 'value')) {
    throw opError(index, '"value" is required');
  }
  if (hasOwn(op, 'value')) checkValueKeys(op.value, index);
  return op as unknown as PatchOperation;
}

/** The value an `add` at `tokens` overwrites: a member of an object that is already there. */
function overwrittenByAdd(doc: Json, tokens: string[], index: number): Json | undefined {
  if (tokens.length === 0) return doc;
  const parent = parentOf(doc, tokens, index);
  const last = tokens[tokens.length - 1];
  return !Array.isArray(parent) && hasOwn(parent, last) ? parent[last] : undefined;
}

/**
 * Applies the patch to a deep copy of `document`; throws FhirError 400 (bad patch) or 422 (failed test).
 * With `limits`, every operation that adds to the document is measured before it runs, and the first one
 * that would take the document past the limits is refused (413): a patch cannot amplify a resource.
 */
export function applyJsonPatch<T>(document: T, patch: unknown, limits?: ResourceLimits): T {
  if (!Array.isArray(patch)) throw badRequest('A JSON Patch body must be an array of operations');
  const budget = limits ? new PatchBudget(limits, document) : undefined;
  let doc: Json = cloneJson(document);
  patch.forEach((raw, index) => {
    const op = readOperation(raw, index);
    const path = parsePointer(op.path, index);
    const where = `JSON Patch operation ${index} (${op.op})`;
    switch (op.op) {
      case 'add': {
        const overwritten = budget ? overwrittenByAdd(doc, path, index) : undefined;
        const copy = budget ? budget.addCopy(op.value, where) : cloneJson(op.value);
        if (overwritten !== undefined) budget?.remove(overwritten);
        doc = addValue(doc, path, copy, index);
        break;
      }
      case 'remove': {
        const removed = removeValue(doc, path, index);
        budget?.remove(removed);
        break;
      }
      case 'replace': {
        const old = getValue(doc, path, index);
        const copy = budget ? budget.addCopy(op.value, where) : cloneJson(op.value);
        budget?.remove(old);
        if (path.length === 0) doc = copy;
        else {
          removeValue(doc, path, index);
          doc = addValue(doc, path, copy, index);
        }
        break;
      }
      case 'move': {
        const from = parsePointer(op.from as string, index);
        if (path.length > from.length && from.every((t, i) => path[i] === t)) {
          throw opError(index, 'cannot move a value into one of its own children');
        }
        const value = getValue(doc, from, index);
        removeValue(doc, from, index);
        if (budget) {
          const overwritten = overwrittenByAdd(doc, path, index);
          if (overwritten !== undefined) budget.remove(overwritten);
        }
        doc = addValue(doc, path, value, index);
        break;
      }
      case 'copy': {
        const value = getValue(doc, parsePointer(op.from as string, index), index);
        const overwritten = budget ? overwrittenByAdd(doc, path, index) : undefined;
        const copy = budget ? budget.addCopy(value, where) : cloneJson(value);
        if (overwritten !== undefined) budget?.remove(overwritten);
        doc = addValue(doc, path, copy, index);
        break;
      }
      case 'test': {
        let actual: Json;
        try {
          actual = getValue(doc, path, index);
        } catch {
          throw testFailed(index, op.path);
        }
        if (!jsonEqual(actual, op.value)) throw testFailed(index, op.path);
        break;
      }
    }
  });
  return doc as T;
}
