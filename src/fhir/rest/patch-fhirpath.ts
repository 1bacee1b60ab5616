import { cloneJson } from '../../kernel/json/clone-json';
import type { ElementDefinition, Parameters, ParametersParameter, Resource } from '@medplum/fhirtypes';
import * as fhirpath from 'fhirpath';
import r4model from 'fhirpath/fhir-context/r4';
import { FhirError, badRequest, issue, tooLarge } from '../../kernel/errors';
import type { Definitions } from '../conformance/definitions';
import { FhirPathTooCostly, METERED_OPTIONS, metered } from '../model/fhirpath-meter';
import { assertParametersShape } from '../operations/parameters-shape';
import { measureJson, type ResourceLimits } from './patch-budget';

/**
 * FHIRPath Patch (R4 fhirpatch.html): a Parameters resource whose `operation` parameters each carry
 * type, path and, depending on the type, name, value[x], index, source and destination.
 */

const FORBIDDEN = /__proto__|constructor|prototype/;
const TYPES = new Set(['add', 'insert', 'delete', 'replace', 'move']);

/** What fhirpath.js returns with resolveInternalTypes: false: the node and where it sits in its parent. */
interface PathNode {
  data: unknown;
  path: string | null;
  propName: string | null;
  index: number | null;
  fhirNodeDataType: string | null;
  parentResNode: PathNode | null;
}

interface Operation {
  type: string;
  path: string;
  name?: string;
  value?: unknown;
  index?: number;
  source?: number;
  destination?: number;
  /** Suffix of the value[x] key (e.g. "Quantity"), for choice elements. */
  valueType?: string;
}

function fail(opIndex: number, message: string, status = 400): FhirError {
  return new FhirError(status, [issue(status === 400 ? 'invalid' : 'processing', `FHIRPath Patch operation ${opIndex}: ${message}`, `Parameters.parameter[${opIndex}]`)]);
}

function valueOf(param: ParametersParameter): { value: unknown; type?: string } | undefined {
  const key = Object.keys(param).find((k) => k.startsWith('value'));
  if (key) return { value: (param as unknown as Record<string, unknown>)[key], type: key.slice('value'.length) };
  if (param.part) {
    const built: Record<string, unknown> = {};
    for (const part of param.part) {
      if (FORBIDDEN.test(part.name)) throw badRequest(`FHIRPath Patch: the name "${part.name}" is not allowed`);
      built[part.name] = valueOf(part)?.value;
    }
    return { value: built };
  }
  return undefined;
}

function readOperations(body: Parameters): Operation[] {
  return (body.parameter ?? []).map((param, i) => {
    if (param.name !== 'operation') throw fail(i, `unexpected parameter "${param.name}"`);
    const parts = new Map((param.part ?? []).map((p) => [p.name, p]));
    const op: Operation = { type: parts.get('type')?.valueCode ?? '', path: parts.get('path')?.valueString ?? '' };
    if (!TYPES.has(op.type)) throw fail(i, `unknown type "${op.type}"`);
    if (!op.path) throw fail(i, 'path is required');
    if (FORBIDDEN.test(op.path)) throw fail(i, 'the path names a forbidden property');
    op.name = parts.get('name')?.valueString;
    if (op.name !== undefined && (FORBIDDEN.test(op.name) || !/^[A-Za-z][A-Za-z0-9]*$/.test(op.name))) {
      throw fail(i, `bad element name "${op.name}"`);
    }
    const value = parts.has('value') ? valueOf(parts.get('value') as ParametersParameter) : undefined;
    if (value) {
      assertSafe(value.value, i);
      op.value = value.value;
      op.valueType = value.type;
    }
    op.index = parts.get('index')?.valueInteger;
    op.source = parts.get('source')?.valueInteger;
    op.destination = parts.get('destination')?.valueInteger;
    const needs: Record<string, (keyof Operation)[]> = {
      add: ['name', 'value'],
      insert: ['value', 'index'],
      replace: ['value'],
      move: ['source', 'destination'],
      delete: [],
    };
    for (const field of needs[op.type]) if (op[field] === undefined) throw fail(i, `${field} is required for ${op.type}`);
    return op;
  });
}

function assertSafe(value: unknown, opIndex: number): void {
  const stack = [value];
  while (stack.length) {
    const node = stack.pop();
    if (typeof node !== 'object' || node === null) continue;
    for (const key of Object.keys(node)) {
      if (!Array.isArray(node) && FORBIDDEN.test(key)) throw fail(opIndex, `the key "${key}" is not allowed`);
      stack.push((node as Record<string, unknown>)[key]);
    }
  }
}

function evaluate(resource: Resource, path: string, opIndex: number): PathNode[] {
  try {
    return metered(`FHIRPath Patch operation ${opIndex}`, () =>
      fhirpath.evaluate(resource, path, { resource, rootResource: resource }, r4model, { resolveInternalTypes: false, ...METERED_OPTIONS }),
    ) as PathNode[];
  } catch (e) {
    if (e instanceof FhirPathTooCostly) throw e;
    throw fail(opIndex, `bad FHIRPath "${path}": ${(e as Error).message}`);
  }
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The JSON key under which a node sits in its parent (choice elements carry their type suffix). */
function keyOf(node: PathNode, opIndex: number): { parent: Record<string, unknown>; key: string } {
  const parent = node.parentResNode?.data as Record<string, unknown> | undefined;
  if (!parent || typeof parent !== 'object' || !node.propName) throw fail(opIndex, 'the path does not name an element', 422);
  if (Object.prototype.hasOwnProperty.call(parent, node.propName)) return { parent, key: node.propName };
  const choice = node.propName + capitalize(node.fhirNodeDataType ?? '');
  if (Object.prototype.hasOwnProperty.call(parent, choice)) return { parent, key: choice };
  throw fail(opIndex, 'cannot locate the element', 422);
}

function single(nodes: PathNode[], op: Operation, opIndex: number): PathNode {
  if (nodes.length !== 1) throw fail(opIndex, `path "${op.path}" matched ${nodes.length} elements, expected 1`, 422);
  return nodes[0];
}

/** The array a list path (e.g. Patient.identifier) designates; an empty list is found through its parent. */
function listOf(resource: Resource, op: Operation, opIndex: number): unknown[] {
  const nodes = evaluate(resource, op.path, opIndex);
  if (nodes.length > 0) {
    const { parent, key } = keyOf(nodes[0], opIndex);
    const list = parent[key];
    if (!Array.isArray(list) || nodes.some((n) => n.parentResNode?.data !== parent)) {
      throw fail(opIndex, `path "${op.path}" is not a single list`, 422);
    }
    return list;
  }
  const match = /^(.*)\.([A-Za-z][A-Za-z0-9]*)$/.exec(op.path);
  if (!match) throw fail(opIndex, `path "${op.path}" matched nothing`, 422);
  const parent = single(evaluate(resource, match[1], opIndex), { ...op, path: match[1] }, opIndex).data as Record<string, unknown>;
  if (typeof parent !== 'object' || parent === null) throw fail(opIndex, `path "${op.path}" matched nothing`, 422);
  parent[match[2]] = [];
  return parent[match[2]] as unknown[];
}

function elementDefinition(definitions: Definitions, node: PathNode, name: string): ElementDefinition | undefined {
  const candidates: string[] = [];
  if (node.path) candidates.push(`${node.path}.${name}`, `${node.path}.${name}[x]`);
  if (node.fhirNodeDataType) candidates.push(`${node.fhirNodeDataType}.${name}`, `${node.fhirNodeDataType}.${name}[x]`);
  for (const path of candidates) {
    const root = path.split('.')[0];
    const found = definitions.structureDefinition(root)?.snapshot?.element?.find((e) => e.path === path);
    if (found) return found;
  }
  return undefined;
}

function applyOne(definitions: Definitions, resource: Resource, op: Operation, i: number): void {
  switch (op.type) {
    case 'add': {
      const target = single(evaluate(resource, op.path, i), op, i);
      const container = target.data as Record<string, unknown>;
      if (typeof container !== 'object' || container === null) throw fail(i, 'add needs an element that can hold children', 422);
      const def = elementDefinition(definitions, target, op.name as string);
      if (!def) throw fail(i, `"${op.name}" is not an element of ${target.path ?? target.fhirNodeDataType}`, 422);
      const key = def.path?.endsWith('[x]') ? `${op.name}${op.valueType ?? ''}` : (op.name as string);
      if (def.max === '*' || Number(def.max) > 1) {
        const list = (container[key] ??= []) as unknown[];
        list.push(op.value);
      } else {
        if (container[key] !== undefined) throw fail(i, `"${op.name}" already has a value`, 422);
        container[key] = op.value;
      }
      return;
    }
    case 'insert': {
      const list = listOf(resource, op, i);
      if ((op.index as number) < 0 || (op.index as number) > list.length) throw fail(i, `index ${op.index} out of range`, 422);
      list.splice(op.index as number, 0, op.value);
      return;
    }
    case 'delete': {
      const nodes = evaluate(resource, op.path, i);
      if (nodes.length === 0) return;
      const { parent, key } = keyOf(single(nodes, op, i), i);
      const current = parent[key];
      if (Array.isArray(current) && nodes[0].index !== null) {
        current.splice(nodes[0].index, 1);
        if (current.length === 0) delete parent[key];
      } else delete parent[key];
      return;
    }
    case 'replace': {
      const node = single(evaluate(resource, op.path, i), op, i);
      const { parent, key } = keyOf(node, i);
      const current = parent[key];
      if (Array.isArray(current) && node.index !== null) current[node.index] = op.value;
      else parent[key] = op.value;
      return;
    }
    case 'move': {
      const list = listOf(resource, op, i);
      const { source, destination } = op as Required<Operation>;
      if (source < 0 || source >= list.length || destination < 0 || destination >= list.length) {
        throw fail(i, 'source or destination out of range', 422);
      }
      const [item] = list.splice(source, 1);
      list.splice(destination, 0, item);
      return;
    }
  }
}

/**
 * Applies a FHIRPath Patch to a copy of `resource`. 400 for a malformed patch, 422 when it does not apply or
 * a path is too costly to evaluate, 413 when the result passes `limits` (values come from the body, so the
 * result grows by at most the body's size and is measured once at the end).
 */
export function applyFhirPathPatch<T extends Resource>(definitions: Definitions, resource: T, body: unknown, limits?: ResourceLimits): T {
  const operations = readOperations(assertParametersShape(body, 'a FHIRPath Patch'));
  const copy = cloneJson(resource);
  operations.forEach((op, i) => applyOne(definitions, copy, op, i));
  if (limits) {
    const size = measureJson(copy, { bytes: limits.maxBytes, elements: limits.maxElements });
    if (size.bytes > limits.maxBytes || size.elements > limits.maxElements) {
      throw tooLarge(`The patched resource is larger than a resource may be (${limits.maxBytes} bytes, ${limits.maxElements} elements)`);
    }
  }
  return copy;
}
