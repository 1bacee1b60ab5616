import { exactText } from '../../kernel/json/exact-numbers';
import type { Definitions } from '../conformance/definitions';
import type { ElementTable, FieldDef, TypeNode } from './element-table';
import { jsonTypeOf, primitiveError } from './primitive-formats';
import { checkReference } from './reference-check';
import { MAX_DEPTH, type ValidationContext } from './validation-context';
import type { ValueSetCodeResolver } from './value-set-codes';

type JsonObject = Record<string, unknown>;

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const INTEGER_TYPES = new Set(['integer', 'unsignedInt', 'positiveInt']);

/**
 * Walks a parsed JSON resource against the compiled element tables, recording every problem in the context.
 * Recursion is bounded by MAX_DEPTH, so hostile nesting costs one issue, not the stack.
 */
export class ResourceWalker {
  private readonly elementNode: TypeNode;

  constructor(
    private readonly definitions: Definitions,
    private readonly table: ElementTable,
    private readonly valueSets: ValueSetCodeResolver,
  ) {
    const element = table.typeNode('Element');
    if (!element) throw new Error('The definitions lack the Element type');
    this.elementNode = element;
  }

  resource(value: unknown, path: string, depth: number, ctx: ValidationContext, contained: boolean): void {
    if (!isObject(value)) {
      ctx.error('structure', `A resource must be a JSON object, not ${jsonTypeOf(value)}`, path || '$this');
      return;
    }
    const type = value.resourceType;
    if (type === undefined) {
      ctx.error('invalid', 'The resource has no resourceType', path ? `${path}.resourceType` : 'resourceType');
      return;
    }
    if (typeof type !== 'string' || !this.definitions.isResourceType(type)) {
      const shown = typeof type === 'string' ? `'${type.slice(0, 64)}'` : jsonTypeOf(type);
      ctx.error('invalid', `${shown} is not a known R4 resource type`, path ? `${path}.resourceType` : 'resourceType');
      return;
    }
    const node = this.table.typeNode(type);
    if (!node) return;
    const here = path || type;
    if (contained) {
      this.checkContained(value, here, ctx);
      this.object(value, node, here, depth, ctx, true);
      return;
    }
    const outerIds = ctx.containedIds;
    ctx.containedIds = containedIds(value);
    this.object(value, node, here, depth, ctx, true);
    ctx.containedIds = outerIds;
  }

  private checkContained(value: JsonObject, path: string, ctx: ValidationContext): void {
    if (value.id === undefined) ctx.error('required', 'A contained resource must have an id', `${path}.id`);
    if (value.contained !== undefined) {
      ctx.error('invariant', 'A contained resource must not contain resources (dom-2)', `${path}.contained`);
    }
    const meta = value.meta;
    if (isObject(meta) && (meta.versionId !== undefined || meta.lastUpdated !== undefined)) {
      ctx.error('invariant', 'A contained resource must not have meta.versionId or meta.lastUpdated (dom-4)', `${path}.meta`);
    }
  }

  private object(
    value: JsonObject,
    node: TypeNode,
    path: string,
    depth: number,
    ctx: ValidationContext,
    resourceRoot = false,
  ): void {
    if (depth > MAX_DEPTH) {
      if (!ctx.depthExceeded) ctx.error('structure', `The JSON is nested more than ${MAX_DEPTH} levels deep`, path);
      ctx.depthExceeded = true;
      return;
    }
    const keys = Object.keys(value);
    if (keys.length === 0) {
      ctx.error('structure', 'Empty objects are not allowed in FHIR JSON', path);
      return;
    }
    // Most objects carry no `_element` (primitive extension) key: skip the `_${key}` lookups then, as a
    // property read with a freshly built key string costs more than the rest of the loop body.
    let underscored = false;
    for (let i = 0; i < keys.length; i++) {
      if (keys[i].charCodeAt(0) === 95 /* _ */) {
        underscored = true;
        break;
      }
    }
    let choices: Map<string, string> | undefined;
    for (const key of keys) {
      const field = node.fields.get(key);
      const childPath = `${path}.${key}`;
      if (!field) {
        if (key === 'resourceType' && resourceRoot) continue;
        const primitive = key.charCodeAt(0) === 95 /* _ */ ? node.fields.get(key.slice(1)) : undefined;
        if (primitive?.primitive) this.primitiveExtension(value, primitive, `${path}.${primitive.name}`, depth, ctx);
        else ctx.error('structure', `Unknown element '${shortKey(key)}'`, `${path}.${shortKey(key)}`);
        continue;
      }
      if (field.choiceGroup) {
        choices ??= new Map();
        const other = choices.get(field.choiceGroup);
        if (other) {
          ctx.error('business-rule', `Only one of ${other} and ${key} may be present (${field.choiceGroup}[x] has max 1)`, childPath);
        }
        choices.set(field.choiceGroup, key);
      }
      this.property(value[key], field, childPath, depth, ctx, underscored && field.primitive ? value[`_${key}`] : undefined, value, key);
    }
    for (const req of node.required) {
      let count = 0;
      for (const key of req.keys) count += presentCount(value[key], underscored ? value[`_${key}`] : undefined);
      if (count < req.min) {
        const label = req.keys.length > 1 ? req.label : req.keys[0];
        ctx.error('required', `Missing required element '${label}' (min ${req.min}, found ${count})`, `${path}.${label}`);
      }
    }
    if (node.name === 'Extension') checkExtensionValue(value, node, path, ctx);
  }

  private property(
    v: unknown, field: FieldDef, path: string, depth: number, ctx: ValidationContext, ext: unknown, holder?: object, key?: string,
  ): void {
    if (!field.isArray) {
      if (Array.isArray(v)) {
        ctx.error('structure', `'${field.name}' is a single value (max ${field.max}), not an array`, path);
      } else if (v === null) {
        ctx.error('structure', `'${field.name}' must not be null`, path);
      } else {
        if (field.max === 0) ctx.error('business-rule', `'${field.name}' is not allowed here (max 0)`, path);
        this.value(v, field, path, depth + 1, ctx, typeof v === 'number' && key !== undefined ? exactText(holder, key) : undefined);
      }
      return;
    }
    if (!Array.isArray(v)) {
      ctx.error('structure', `'${field.name}' must be an array (max ${maxLabel(field.max)})`, path);
      return;
    }
    if (v.length === 0) {
      ctx.error('structure', 'Empty arrays are not allowed in FHIR JSON', path);
      return;
    }
    if (v.length > field.max) {
      ctx.error('business-rule', `'${field.name}' has ${v.length} items; at most ${field.max} are allowed`, path);
    }
    const extensions = Array.isArray(ext) ? ext : undefined;
    for (let i = 0; i < v.length; i++) {
      const item = v[i];
      if (item === null) {
        // A null keeps a primitive array aligned with its _element array, which must then carry that item.
        if (!field.primitive || !isObject(extensions?.[i])) {
          ctx.error('structure', `'${field.name}' must not contain null (except aligned with _${field.name})`, `${path}[${i}]`);
        }
        continue;
      }
      this.value(item, field, `${path}[${i}]`, depth + 1, ctx, typeof item === 'number' ? exactText(v, i) : undefined);
    }
  }

/** `numberText`: a number's text as written, when a JS number prints it differently (kernel/json). */
  private value(v: unknown, field: FieldDef, path: string, depth: number, ctx: ValidationContext, numberText?: string): void {
    if (field.primitive) {
      const problem = primitiveError(field.type, v, numberText);
      // A JSON number the integer type cannot hold (a fraction, an exponent, beyond int32) is well-formed
      // content breaking the type's rule: 422, where a string for a number stays a structural 400.
      if (problem) ctx.error(typeof v === 'number' && INTEGER_TYPES.has(field.type) ? 'business-rule' : 'value', problem, path);
      else if (field.requiredBinding && typeof v === 'string') this.checkCode(v, field.requiredBinding, path, ctx);
      return;
    }
    if (field.resource) {
      if (field.type !== 'Resource' && isObject(v) && v.resourceType !== field.type) {
        ctx.error('structure', `'${field.name}' must be a ${field.type} resource`, `${path}.resourceType`);
        return;
      }
      this.resource(v, path, depth, ctx, field.name === 'contained');
      return;
    }
    if (!isObject(v)) {
      ctx.error('structure', `'${field.name}' must be a JSON object (${field.type}), not ${jsonTypeOf(v)}`, path);
      return;
    }
    const node = field.node ?? this.table.typeNode(field.type);
    if (!node) return;
    this.object(v, node, path, depth, ctx);
    if (field.type === 'Reference' && typeof v.reference === 'string') {
      checkReference(v.reference, field.targetTypes, this.definitions.isResourceType, `${path}.reference`, ctx);
    } else if (field.requiredBinding) {
      this.checkCoded(v, field, path, ctx);
    }
  }

  private primitiveExtension(owner: JsonObject, field: FieldDef, path: string, depth: number, ctx: ValidationContext): void {
    const ext = owner[`_${field.name}`];
    const values = owner[field.name];
    if (!field.isArray) {
      if (!isObject(ext)) ctx.error('structure', `'_${field.name}' must be a JSON object, not ${jsonTypeOf(ext)}`, path);
      else this.object(ext, this.elementNode, path, depth + 1, ctx);
      return;
    }
    if (!Array.isArray(ext) || ext.length === 0) {
      ctx.error('structure', `'_${field.name}' must be a non-empty array aligned with '${field.name}'`, path);
      return;
    }
    if (values !== undefined && (!Array.isArray(values) || values.length !== ext.length)) {
      ctx.error('structure', `'_${field.name}' must have as many items as '${field.name}'`, path);
      return;
    }
    for (let i = 0; i < ext.length; i++) {
      const item = ext[i];
      if (item === null) {
        if (!Array.isArray(values) || values[i] === null || values[i] === undefined) {
          ctx.error('structure', `'${field.name}[${i}]' has neither a value nor extensions`, `${path}[${i}]`);
        }
      } else if (!isObject(item)) {
        ctx.error('structure', `'_${field.name}' items must be JSON objects, not ${jsonTypeOf(item)}`, `${path}[${i}]`);
      } else {
        this.object(item, this.elementNode, `${path}[${i}]`, depth + 2, ctx);
      }
    }
  }

  private checkCode(code: string, valueSet: string, path: string, ctx: ValidationContext): void {
    const codes = this.valueSets.codes(valueSet);
    if (codes && !codes.codes.has(code)) {
      ctx.error('code-invalid', `'${code.slice(0, 64)}' is not in the required value set ${valueSet}`, path);
    }
  }

  private checkCoded(v: JsonObject, field: FieldDef, path: string, ctx: ValidationContext): void {
    const codes = this.valueSets.codes(field.requiredBinding as string);
    if (!codes) return;
    const codings = field.type === 'Coding' ? [v] : Array.isArray(v.coding) ? v.coding.filter(isObject) : [];
    let checkable = 0;
    for (const coding of codings) {
      if (typeof coding.system !== 'string' || typeof coding.code !== 'string') continue;
      checkable++;
      if (codes.bySystem.get(coding.system)?.has(coding.code)) return;
    }
    if (checkable > 0) {
      const what = field.type === 'Coding' ? 'The coding is' : 'None of the codings is';
      ctx.error('code-invalid', `${what} in the required value set ${field.requiredBinding}`, path);
    }
  }
}

function shortKey(key: string): string {
  return key.length > 64 ? `${key.slice(0, 64)}...` : key;
}

function containedIds(resource: JsonObject): ReadonlySet<string> {
  const ids = new Set<string>();
  if (Array.isArray(resource.contained)) {
    for (const c of resource.contained) if (isObject(c) && typeof c.id === 'string') ids.add(c.id);
  }
  return ids;
}

function presentCount(v: unknown, ext: unknown): number {
  if (Array.isArray(v)) return v.length;
  if (v !== undefined && v !== null) return 1;
  if (Array.isArray(ext)) return ext.length;
  return ext !== undefined && ext !== null ? 1 : 0;
}

function maxLabel(max: number): string {
  return max === Infinity ? '*' : String(max);
}

function checkExtensionValue(value: JsonObject, node: TypeNode, path: string, ctx: ValidationContext): void {
  let hasValue = false;
  for (const key of Object.keys(value)) {
    const name = key.charCodeAt(0) === 95 /* _ */ ? key.slice(1) : key;
    if (node.fields.get(name)?.choiceGroup === 'value') hasValue = true;
  }
  const hasNested = value.extension !== undefined;
  if (hasValue && hasNested) {
    ctx.error('invariant', 'An extension must have either a value[x] or nested extensions, not both (ext-1)', path);
  } else if (!hasValue && !hasNested) {
    ctx.error('invariant', 'An extension must have a value[x] or nested extensions (ext-1)', path);
  }
}
