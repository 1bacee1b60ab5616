import type { ElementDefinitionType, StructureDefinition } from '@medplum/fhirtypes';
import type { Definitions } from '../conformance/definitions';
import { isPrimitiveType } from './primitive-formats';

/** One JSON property allowed in an object (a choice element gives one field per type, e.g. valueQuantity). */
export interface FieldDef {
  readonly name: string;
  /** FHIR type code: a primitive, a complex type, 'Resource', or 'BackboneElement'/'Element' with `node`. */
  readonly type: string;
  readonly primitive: boolean;
  /** Holds a whole resource: 'Resource' (any type) or a resource type such as OperationOutcome. */
  readonly resource: boolean;
  readonly min: number;
  readonly max: number;
  readonly isArray: boolean;
  /** For value[x]: 'value'; all variants share the group's cardinality. */
  readonly choiceGroup?: string;
  /** The children of a backbone element (or of the element a contentReference points to). */
  node?: TypeNode;
  /** ValueSet URL of a required binding. */
  readonly requiredBinding?: string;
  /** Resource types a Reference may point to; undefined means any. */
  readonly targetTypes?: ReadonlySet<string>;
}

/** A required element (or choice group) that must be present in every object of a node. */
export interface RequiredField {
  readonly label: string;
  readonly keys: readonly string[];
  readonly min: number;
}

export interface TypeNode {
  /** The type name or backbone element path, e.g. 'HumanName' or 'Observation.component'. */
  readonly name: string;
  readonly fields: Map<string, FieldDef>;
  readonly required: RequiredField[];
}

const FHIR_TYPE_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type';

/**
 * Compiles StructureDefinition snapshots into lookup tables of JSON properties, one type at a time, on
 * first use. Everything the validator needs per property is resolved here so that validating a resource is
 * only map lookups.
 */
export class ElementTable {
  private readonly nodes = new Map<string, TypeNode | null>();

  constructor(private readonly definitions: Definitions) {}

  /** The node of a type (resource or complex data type); undefined for unknown types. */
  typeNode(typeName: string): TypeNode | undefined {
    let node = this.nodes.get(typeName);
    if (node === undefined) {
      const sd = this.definitions.structureDefinition(typeName);
      node = sd?.snapshot?.element ? compile(sd, this.definitions) : null;
      this.nodes.set(typeName, node);
    }
    return node ?? undefined;
  }
}

function compile(sd: StructureDefinition, definitions: Definitions): TypeNode {
  const elements = sd.snapshot?.element ?? [];
  const byPath = new Map<string, TypeNode>();
  const root: TypeNode = { name: sd.type as string, fields: new Map(), required: [] };
  byPath.set(elements[0]?.path ?? root.name, root);
  const pendingRefs: { field: FieldDef; target: string }[] = [];
  const isResource = sd.kind === 'resource';

  for (const el of elements.slice(1)) {
    const path = el.path as string;
    if (el.sliceName) continue;
    const dot = path.lastIndexOf('.');
    const parent = byPath.get(path.slice(0, dot));
    if (!parent) continue; // children of an element we do not model (e.g. primitive .value)
    const rawName = path.slice(dot + 1);
    const max = el.max === '*' ? Infinity : Number(el.max ?? '1');
    const min = el.min ?? 0;
    const isArray = el.max !== '1' && el.max !== '0';
    const requiredBinding = el.binding?.strength === 'required' ? el.binding.valueSet : undefined;

    if (el.contentReference) {
      const field: FieldDef = { name: rawName, type: 'BackboneElement', primitive: false, resource: false, min, max, isArray };
      parent.fields.set(rawName, field);
      pendingRefs.push({ field, target: el.contentReference.slice(el.contentReference.indexOf('#') + 1) });
      addRequired(parent, rawName, [rawName], min);
      continue;
    }
    // The primitive's own value is carried by the JSON primitive itself.
    if (rawName === 'value' && isPrimitiveType(root.name)) continue;

    const types = el.type ?? [];
    if (rawName.endsWith('[x]')) {
      const base = rawName.slice(0, -3);
      const keys: string[] = [];
      for (const t of types) {
        const code = typeCode(t);
        const key = base + code[0].toUpperCase() + code.slice(1);
        keys.push(key);
        parent.fields.set(key, makeField(definitions, key, code, t, min, max, false, requiredBinding, base));
      }
      addRequired(parent, rawName, keys, min);
      continue;
    }
    let code = types[0] ? typeCode(types[0]) : 'Element';
    // R4 types Resource.id as System.String with fhir-type 'string', yet a resource id follows the id rules.
    if (isResource && el.base?.path === 'Resource.id') code = 'id';
    const field = makeField(definitions, rawName, code, types[0], min, max, isArray, requiredBinding);
    parent.fields.set(rawName, field);
    addRequired(parent, rawName, [rawName], min);
    if (code === 'BackboneElement' || code === 'Element') {
      field.node = { name: path, fields: new Map(), required: [] };
      byPath.set(path, field.node);
    }
  }
  for (const { field, target } of pendingRefs) field.node = byPath.get(target);
  return root;
}

function makeField(
  definitions: Definitions,
  name: string,
  type: string,
  t: ElementDefinitionType | undefined,
  min: number,
  max: number,
  isArray: boolean,
  requiredBinding: string | undefined,
  choiceGroup?: string,
): FieldDef {
  let targetTypes: Set<string> | undefined;
  if (type === 'Reference' && t?.targetProfile?.length) {
    targetTypes = new Set(t.targetProfile.map((p) => p.slice(p.lastIndexOf('/') + 1)));
    if (targetTypes.has('Resource')) targetTypes = undefined;
  }
  return {
    name,
    type,
    primitive: isPrimitiveType(type),
    resource: type === 'Resource' || definitions.isResourceType(type),
    min,
    max,
    isArray,
    choiceGroup,
    requiredBinding: bindable(type) ? requiredBinding : undefined,
    targetTypes,
  };
}

function bindable(type: string): boolean {
  return type === 'code' || type === 'Coding' || type === 'CodeableConcept';
}

function addRequired(node: TypeNode, label: string, keys: string[], min: number): void {
  if (min > 0) node.required.push({ label, keys, min });
}

function typeCode(t: ElementDefinitionType): string {
  const code = t.code as string;
  if (!code.startsWith('http://hl7.org/fhirpath/')) return code;
  const ext = t.extension?.find((e) => e.url === FHIR_TYPE_EXTENSION);
  return (ext?.valueUrl ?? ext?.valueUri ?? 'string') as string;
}
