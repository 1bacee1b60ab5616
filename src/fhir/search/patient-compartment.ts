import type { Resource } from '@medplum/fhirtypes';
import type { Definitions } from '../conformance/definitions';
import { createExtractor, type CompiledParam, type Extractor } from './extract';
import { emitValue, type ValueContext } from './extract-values';

/**
 * Which Patient compartments a resource is in (R4 CompartmentDefinition "Patient"): a Patient is in its own;
 * a resource of a type the definition lists is in the compartment of every Patient that one of the listed
 * search parameters references; any other type is in none. What the access decision confines a patient's
 * token to, and what the audit names as the patients a request touched.
 */
export interface PatientCompartments {
  /** Whether resources of `type` belong to patient compartments at all (Patient included). */
  isCompartmentType(type: string): boolean;
  /** Ids of the Patients whose compartment `resource` is in. */
  patientsOf(resource: Resource): string[];
}

const byDefinitions = new WeakMap<Definitions, PatientCompartments>();

export function patientCompartments(definitions: Definitions, baseUrl?: string): PatientCompartments {
  let known = byDefinitions.get(definitions);
  if (!known) {
    const ctx = { baseUrl: baseUrl?.replace(/\/+$/, '') };
    known = build(definitions, createExtractor(definitions, ctx), ctx);
    byDefinitions.set(definitions, known);
  }
  return known;
}

function build(definitions: Definitions, extractor: Extractor, ctx: ValueContext): PatientCompartments {
  const codesOf = new Map<string, Set<string>>();
  for (const entry of definitions.patientCompartment.resource ?? []) {
    if (entry.param && entry.param.length > 0) codesOf.set(entry.code as string, new Set(entry.param));
  }
  const paramsOf = new Map<string, CompiledParam[]>();
  const compartmentParams = (type: string): CompiledParam[] => {
    let params = paramsOf.get(type);
    if (!params) {
      const codes = codesOf.get(type);
      params = codes ? extractor.compiled(type).filter((p) => codes.has(p.code) && p.kind === 'reference') : [];
      paramsOf.set(type, params);
    }
    return params;
  };
  return {
    isCompartmentType: (type) => type === 'Patient' || codesOf.has(type),
    patientsOf(resource) {
      if (resource.resourceType === 'Patient') return resource.id ? [resource.id] : [];
      const ids = new Set<string>();
      for (const p of compartmentParams(resource.resourceType)) {
        for (const program of p.programs) {
          for (const node of program(resource)) {
            emitValue('reference', p.code, 0, node, ctx, (e) => {
              if (e.kind === 'reference' && e.targetType === 'Patient' && e.targetId) ids.add(e.targetId);
            });
          }
        }
      }
      return [...ids];
    },
  };
}
