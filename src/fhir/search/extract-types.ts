import type { ElementDefinition, ValueSet } from '@medplum/fhirtypes';
import type { Definitions } from '../conformance/definitions';

/**
 * The element model used by the fast path evaluator. A "context" is what a node is at run time: a data type
 * or resource name ("HumanName", "Patient") or the path of a backbone element inside its definition
 * ("Patient.contact", "Questionnaire.item"). For each context and child name it gives the JSON keys to read
 * and the context of what is found there (several for a choice element `value[x]`).
 */
export interface ChildSlot {
  key: string;
  type: string;
  /** For a `code` element bound (required) to a ValueSet of one whole CodeSystem: that system (implicit). */
  system?: string;
}

export class TypeModel {
  private readonly cache = new Map<string, Map<string, ChildSlot[]>>();

  constructor(private readonly definitions: Definitions) {}

  /** The slots of `name` under `context`, or undefined when the element does not exist. */
  child(context: string, name: string): ChildSlot[] | undefined {
    return this.children(context)?.get(name);
  }

  isChoice(context: string, name: string): boolean {
    const slots = this.child(context, name);
    return !!slots && slots.length > 0 && slots[0].key !== name;
  }

  private children(context: string): Map<string, ChildSlot[]> | undefined {
    let result = this.cache.get(context);
    if (result) return result;
    const dot = context.indexOf('.');
    const sd = this.definitions.structureDefinition(dot < 0 ? context : context.slice(0, dot));
    const elements = sd?.snapshot?.element;
    if (!elements) return undefined;
    const prefix = context + '.';
    result = new Map();
    for (const element of elements) {
      const path = element.path;
      if (!path.startsWith(prefix) || path.indexOf('.', prefix.length) >= 0) continue;
      const name = path.slice(prefix.length);
      if (name.endsWith('[x]')) {
        const base = name.slice(0, -3);
        result.set(
          base,
          (element.type ?? []).map((t) => ({ key: base + capitalise(t.code), type: typeName(t.code) })),
        );
      } else {
        const slot: ChildSlot = { key: name, type: slotType(element, path) };
        if (slot.type === 'code') {
          const system = this.implicitSystem(element);
          if (system) slot.system = system;
        }
        result.set(name, [slot]);
      }
    }
    this.cache.set(context, result);
    return result;
  }

  private implicitSystem(element: ElementDefinition): string | undefined {
    const binding = element.binding;
    if (binding?.strength !== 'required' || !binding.valueSet) return undefined;
    const vs = this.definitions.canonical<ValueSet>(binding.valueSet.split('|')[0]);
    const include = vs?.compose?.include;
    if (!include || include.length !== 1 || vs.compose?.exclude) return undefined;
    const only = include[0];
    return only.system && !only.concept && !only.filter && !only.valueSet ? only.system : undefined;
  }
}

function slotType(element: ElementDefinition, path: string): string {
  if (element.contentReference) return element.contentReference.replace(/^.*#/, '');
  const code = element.type?.[0]?.code ?? 'Element';
  return code === 'BackboneElement' || code === 'Element' ? path : typeName(code);
}

/** FHIRPath system types appear on id/url/extension elements; they behave as FHIR string. */
function typeName(code: string): string {
  return code.startsWith('http://hl7.org/fhirpath/System.') ? 'string' : code;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

const RESOURCE_CONTEXTS = new Set(['Resource', 'DomainResource']);

/** Whether a context stands for "any resource" and the real type must be read from `resourceType`. */
export function isAbstractResource(type: string): boolean {
  return RESOURCE_CONTEXTS.has(type);
}
