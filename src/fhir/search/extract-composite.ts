import type { SearchParameter } from '@medplum/fhirtypes';
import type { Definitions } from '../conformance/definitions';
import { compilePath, compileRelative, rootType, splitUnion, type NodeFn, type PathNode, type PathProgram } from './extract-path';
import type { TypeModel } from './extract-types';
import { emitValue, type ValueContext } from './extract-values';
import type { IndexEntry } from './index-entry';

/**
 * A composite parameter (Observation `code-value-quantity`, `component-code-value-quantity`...) is indexed as
 * its components' ordinary entries under derived codes `<code>#<i>` (i = component position), all values
 * taken from the same root element sharing one `group` (1, 2, ...). A search then joins the component rows on
 * (rid, group): same-element semantics. A root element lacking any component is not indexed.
 */
export interface CompiledComposite {
  code: string;
  roots: PathProgram[];
  components: { kind: string; run: NodeFn }[];
}

/** Undefined when a root or component is outside the fast subset (such composites are not indexed yet). */
export function compileComposite(
  definitions: Definitions, model: TypeModel, resourceType: string, param: SearchParameter,
): CompiledComposite | undefined {
  if (!param.expression || !param.component?.length) return undefined;
  try {
    const roots = splitUnion(param.expression)
      .filter((part) => rootType(part) === resourceType)
      .map((part) => compilePath(model, resourceType, part));
    if (roots.length === 0) return undefined;
    const contexts = new Set(roots.flatMap((r) => [...r.contexts]));
    const components = param.component.map((c) => {
      const definition = definitions.canonical<SearchParameter>(c.definition);
      if (!definition || definition.type === 'composite') throw new Error('unusable component');
      const runs = splitUnion(c.expression).map((part) => compileRelative(model, contexts, part).run);
      const run: NodeFn = (nodes) => (runs.length === 1 ? runs[0](nodes) : runs.flatMap((r) => r(nodes)));
      return { kind: definition.type, run };
    });
    return { code: param.code as string, roots, components };
  } catch {
    return undefined;
  }
}

export function emitComposite(
  composite: CompiledComposite, resource: object, ctx: ValueContext, emit: (e: IndexEntry) => void,
): void {
  let group = 0;
  // Only the components' own values: derived sub-indexes (`:text`, `:of-type`) have no composite use.
  const plain = (e: IndexEntry) => {
    if (e.code.indexOf(':') < 0) emit(e);
  };
  for (const root of composite.roots) {
    for (const node of root(resource)) {
      // Last components first: they are the selective ones (a value[x] of one type), so most roots stop early.
      const values: PathNode[][] = new Array(composite.components.length);
      let complete = true;
      for (let i = composite.components.length - 1; i >= 0 && complete; i--) {
        values[i] = composite.components[i].run([node]);
        complete = values[i].length > 0;
      }
      if (!complete) continue;
      group++;
      values.forEach((nodes, i) => {
        const { kind } = composite.components[i];
        for (const n of nodes) emitValue(kind, `${composite.code}#${i}`, group, n, ctx, plain);
      });
    }
  }
}
