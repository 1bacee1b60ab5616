import { copyExactTexts } from '../../kernel/json/exact-numbers';
import type { ChildInfo, ElementNode, SummaryModel } from './summary-model';

type Json = Record<string, unknown>;

/** Kept whatever the mode at the root of a resource. */
export const ALWAYS_KEPT = new Set(['resourceType', 'id', 'meta']);

/**
 * `_summary=true` over one resource: at every level, only the elements whose definition says isSummary
 * (R4 search.html#summary, ElementDefinition.isSummary), plus id, meta and mandatory elements at the root.
 * Data types follow SummaryModel.keepInDataType. Inline resources (Bundle.entry.resource,
 * Parameters.parameter.resource) are summarised by their own type. Unknown properties are dropped.
 */
export function summarizeResource(model: SummaryModel, resource: Json): Json {
  const type = resource.resourceType;
  const root = typeof type === 'string' ? model.node(type) : undefined;
  if (!root) return resource;
  const out: Json = {};
  for (const key of Object.keys(resource)) {
    const name = key.charCodeAt(0) === 95 /* _ */ ? key.slice(1) : key;
    if (ALWAYS_KEPT.has(name)) {
      out[key] = resource[key];
      continue;
    }
    const child = root.get(name);
    if (!child || !(child.isSummary || child.mandatory)) continue;
    out[key] = key === name ? walkValue(model, type as string, child, resource[key]) : resource[key];
  }
  copyExactTexts(resource, out);
  return out;
}

function walkValue(model: SummaryModel, definingType: string, child: ChildInfo, value: unknown): unknown {
  if (child.kind === 'primitive' || value === null || typeof value !== 'object') return value;
  if (child.kind === 'complex' && !model.dropsUnderSummary(child.typeName!)) return value;
  const one = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    switch (child.kind) {
      case 'resource':
        return summarizeResource(model, v as Json);
      case 'complex':
        return walkObject(model, child.typeName!, model.node(child.typeName!), v as Json, true);
      default:
        return walkObject(model, definingType, model.node(definingType, child.path), v as Json, !model.isResource(definingType));
    }
  };
  return Array.isArray(value) ? value.map(one) : one(value);
}

function walkObject(model: SummaryModel, definingType: string, node: ElementNode | undefined, obj: Json, inDataType: boolean): Json {
  if (!node) return obj;
  const out: Json = {};
  for (const key of Object.keys(obj)) {
    const name = key.charCodeAt(0) === 95 /* _ */ ? key.slice(1) : key;
    const child = node.get(name);
    if (!child) continue;
    const keep = inDataType ? model.keepInDataType(definingType, child) : child.isSummary;
    if (!keep) continue;
    out[key] = key === name ? walkValue(model, definingType, child, obj[key]) : obj[key];
  }
  copyExactTexts(obj, out);
  return out;
}
