import type { ElementDefinitionConstraint } from '@medplum/fhirtypes';
import fhirpath from 'fhirpath';
import r4Model from 'fhirpath/fhir-context/r4';
import { METERED_OPTIONS, metered } from '../model/fhirpath-meter';

export interface CompiledInvariant {
  key: string;
  severity: 'error' | 'warning';
  human: string;
  /** True when the item satisfies the invariant; root is the resource (%resource). */
  holds(item: unknown, root: unknown): boolean;
}

function primitive(input: unknown): unknown {
  return typeof input === 'object' && input !== null && 'data' in input ? (input as { data: unknown }).data : input;
}

/**
 * Compiles a constraint's FHIRPath expression once, with the R4 model and the element path as its base (so
 * choice types and type functions resolve); standard FHIRPath only, so that any validator can evaluate the
 * profiles (server-wide rules such as the NIR key are write rules, src/identity). Only an explicit `false` fails: an empty result (for example an
 * `implies` whose premise is empty) is not a violation. Each evaluation runs under the FHIRPath budget: one
 * that passes it throws FhirPathTooCostly (422 too-costly) rather than holding the server.
 */
export function compileInvariant(constraint: ElementDefinitionConstraint, elementPath: string): CompiledInvariant {
  const expression = constraint.expression as string;
  const base = elementPath.includes('[x]') ? undefined : elementPath;
  let evaluate: (item: unknown, env: Record<string, unknown>) => unknown[];
  try {
    evaluate = fhirpath.compile(base ? { base, expression } : expression, r4Model, METERED_OPTIONS) as typeof evaluate;
  } catch (e) {
    throw new Error(`Invariant ${constraint.key} on ${elementPath}: invalid FHIRPath '${expression}': ${(e as Error).message}`);
  }
  return {
    key: constraint.key,
    severity: constraint.severity === 'warning' ? 'warning' : 'error',
    human: constraint.human ?? expression,
    holds(item, root) {
      const result = metered(`Invariant ${constraint.key} on ${elementPath}`, () => evaluate(item, { resource: root, rootResource: root }));
      return !result.some((v) => primitive(v) === false);
    },
  };
}
