import { copyExactTexts } from '../../kernel/json/exact-numbers';
import type { Coding, Resource } from '@medplum/fhirtypes';
import { badRequest } from '../../kernel/errors';
import type { Definitions } from '../conformance/definitions';
import { parseElements, selectElements, type ElementsSelection } from './elements';
import { SummaryModel } from './summary-model';
import { ALWAYS_KEPT, summarizeResource } from './summary-walk';

export type SummaryMode = 'true' | 'text' | 'data' | 'count' | 'false';

const SUBSETTED: Coding = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' };

export interface Subsetting {
  summary: SummaryMode;
  /** `_elements`, undefined when absent. */
  elements?: ElementsSelection;
}

type Json = Record<string, unknown>;

/**
 * Reads `_summary` and `_elements` from a query: 400 on an unknown _summary value, and on _summary=text
 * with _include/_revinclude, which R4 forbids (search.html#summary).
 */
export function parseSubsetting(query: URLSearchParams): Subsetting {
  const raw = query.get('_summary') ?? 'false';
  if (!['true', 'text', 'data', 'count', 'false'].includes(raw)) throw badRequest(`Unknown _summary value '${raw.slice(0, 40)}'`, '_summary');
  if (raw === 'text' && [...query.keys()].some((k) => /^_(rev)?include(:|$)/.test(k))) {
    throw badRequest('_summary=text cannot be combined with _include or _revinclude', '_summary');
  }
  return { summary: raw as SummaryMode, elements: parseElements(query.getAll('_elements')) };
}

const models = new WeakMap<Definitions, SummaryModel>();

function modelOf(definitions: Definitions): SummaryModel {
  let model = models.get(definitions);
  if (!model) models.set(definitions, (model = new SummaryModel(definitions)));
  return model;
}

/**
 * The resource reduced per `_summary` / `_elements` (R4 search.html#summary and #elements), tagged SUBSETTED
 * whenever a subset was asked for. `_elements` takes precedence over `_summary` (R4 does not define the
 * combination); `_summary=count` on a read returns the whole resource (count is a search-only mode).
 * The stored resource is never modified; unchanged nested values may be shared with it.
 */
export function applySubsetting(definitions: Definitions, resource: Resource, subsetting: Subsetting): Resource {
  const { summary, elements } = subsetting;
  if ((summary === 'false' || summary === 'count') && !elements) return resource;
  const model = modelOf(definitions);
  const json = resource as unknown as Json;
  let out: Json;
  if (elements) out = selectElements(model, json, elements);
  else if (summary === 'true') out = summarizeResource(model, json);
  else if (summary === 'text') out = textOnly(model, json);
  else out = withoutText(json);
  return tagSubsetted(out) as unknown as Resource;
}

/** `_summary=text`: text, id, meta and the top-level mandatory elements. */
function textOnly(model: SummaryModel, resource: Json): Json {
  const root = model.node(resource.resourceType as string);
  const out: Json = {};
  for (const key of Object.keys(resource)) {
    const name = key.charCodeAt(0) === 95 /* _ */ ? key.slice(1) : key;
    if (ALWAYS_KEPT.has(name) || name === 'text' || root?.get(name)?.mandatory) out[key] = resource[key];
  }
  copyExactTexts(resource, out);
  return out;
}

/** `_summary=data`: everything but the resource's own narrative (contained resources are left whole). */
function withoutText(resource: Json): Json {
  const out: Json = { ...resource };
  delete out.text;
  delete out._text;
  copyExactTexts(resource, out);
  return out;
}

function tagSubsetted(resource: Json): Json {
  const meta = { ...((resource.meta as Json | undefined) ?? {}) };
  const tags = ((meta.tag as Coding[] | undefined) ?? []).filter((t) => !(t.system === SUBSETTED.system && t.code === SUBSETTED.code));
  meta.tag = [...tags, SUBSETTED];
  const out: Json = {};
  for (const [k, v] of Object.entries(resource)) {
    if (k === 'meta') continue;
    out[k] = v;
    if (k === 'id' || (k === 'resourceType' && resource.id === undefined)) out.meta = meta;
  }
  out.meta = meta;
  copyExactTexts(resource, out);
  return out;
}
