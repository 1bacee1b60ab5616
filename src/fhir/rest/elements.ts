import { copyExactTexts } from '../../kernel/json/exact-numbers';
import type { SummaryModel } from './summary-model';
import { ALWAYS_KEPT } from './summary-walk';

type Json = Record<string, unknown>;

/** `_elements` as requested: names for every type, and names given with a type prefix (`Patient.name`). */
export interface ElementsSelection {
  readonly any: ReadonlySet<string>;
  readonly byType: ReadonlyMap<string, ReadonlySet<string>>;
}

/**
 * Parses the comma-separated `_elements` values (R4 search.html#elements: base element names, top level only).
 * `Type.name` applies to resources of that type only; a deeper path (`name.family`) selects its top-level
 * element, since servers may return more than asked but not less. Undefined when the parameter is absent.
 */
export function parseElements(values: string[]): ElementsSelection | undefined {
  const items = values.flatMap((v) => v.split(',')).map((e) => e.trim()).filter(Boolean);
  if (items.length === 0) return undefined;
  const any = new Set<string>();
  const byType = new Map<string, Set<string>>();
  for (const item of items) {
    const parts = item.split('.');
    if (/^[A-Z]/.test(parts[0])) {
      if (parts.length < 2 || !parts[1]) continue;
      let set = byType.get(parts[0]);
      if (!set) byType.set(parts[0], (set = new Set()));
      set.add(parts[1]);
    } else {
      any.add(parts[0]);
    }
  }
  return { any, byType };
}

/**
 * The top-level elements of `resource` named in the selection (a choice element by its base name `value` or
 * its JSON name `valueQuantity`), plus id, meta, resourceType and the mandatory elements, which servers SHOULD
 * always return. Names the type does not define select nothing. `_x` primitive siblings follow their element.
 */
export function selectElements(model: SummaryModel, resource: Json, selection: ElementsSelection): Json {
  const type = resource.resourceType as string;
  const root = model.node(type);
  const forType = selection.byType.get(type);
  const selected = (name: string, baseName: string): boolean =>
    selection.any.has(name) || selection.any.has(baseName) || forType?.has(name) === true || forType?.has(baseName) === true;
  const out: Json = {};
  for (const key of Object.keys(resource)) {
    const name = key.charCodeAt(0) === 95 /* _ */ ? key.slice(1) : key;
    if (ALWAYS_KEPT.has(name)) {
      out[key] = resource[key];
      continue;
    }
    const child = root?.get(name);
    if (!child) continue;
    if (child.mandatory || selected(name, child.baseName)) out[key] = resource[key];
  }
  copyExactTexts(resource, out);
  return out;
}
