import type { Resource } from '@medplum/fhirtypes';
import { badRequest } from '../../kernel/errors';
import type { Definitions } from '../conformance/definitions';

export type SummaryMode = 'true' | 'text' | 'data' | 'count' | 'false';

const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' };
const ALWAYS = new Set(['resourceType', 'id', 'meta']);

export interface Subsetting {
  summary: SummaryMode;
  elements?: Set<string>;
}

/** Reads `_summary` and `_elements` from a query; 400 on an unknown _summary value. */
export function parseSubsetting(query: URLSearchParams): Subsetting {
  const raw = query.get('_summary') ?? 'false';
  if (!['true', 'text', 'data', 'count', 'false'].includes(raw)) throw badRequest(`Unknown _summary value '${raw}'`);
  const elementsRaw = query.getAll('_elements').join(',');
  const elements = elementsRaw
    ? new Set(elementsRaw.split(',').map((e) => e.trim()).filter(Boolean).map((e) => e.replace(/^[A-Z][A-Za-z]*\./, '')))
    : undefined;
  return { summary: raw as SummaryMode, elements };
}

const summaryCache = new WeakMap<Definitions, Map<string, { summary: Set<string>; mandatory: Set<string> }>>();

function topLevelFlags(definitions: Definitions, type: string): { summary: Set<string>; mandatory: Set<string> } {
  let byType = summaryCache.get(definitions);
  if (!byType) summaryCache.set(definitions, (byType = new Map()));
  let flags = byType.get(type);
  if (!flags) {
    flags = { summary: new Set(), mandatory: new Set() };
    for (const el of definitions.structureDefinition(type)?.snapshot?.element ?? []) {
      const parts = el.path?.split('.') ?? [];
      if (parts.length !== 2) continue;
      const names = parts[1].endsWith('[x]') ? [parts[1].slice(0, -3)] : [parts[1]];
      for (const name of names) {
        if (el.isSummary) flags.summary.add(name);
        if ((el.min ?? 0) > 0) flags.mandatory.add(name);
      }
    }
    byType.set(type, flags);
  }
  return flags;
}

/** Whether a top-level element name belongs to a flag set, choice elements (valueQuantity) included. */
function inSet(set: Set<string>, key: string): boolean {
  if (set.has(key)) return true;
  for (let i = key.length - 1; i > 0; i--) if (/[A-Z]/.test(key[i]) && set.has(key.slice(0, i))) return true;
  return false;
}

/** The resource reduced per _summary / _elements (top-level elements), tagged SUBSETTED when reduced. */
export function applySubsetting(definitions: Definitions, resource: Resource, subsetting: Subsetting): Resource {
  const { summary, elements } = subsetting;
  if ((summary === 'false' || summary === 'count') && !elements) return resource;
  const flags = topLevelFlags(definitions, resource.resourceType);
  const keep = (key: string): boolean => {
    if (ALWAYS.has(key)) return true;
    if (elements) return elements.has(key) || inSet(flags.mandatory, key);
    if (summary === 'true') return inSet(flags.summary, key);
    if (summary === 'text') return key === 'text' || inSet(flags.mandatory, key);
    return key !== 'text'; // data
  };
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(resource)) if (keep(key)) out[key] = value;
  const meta = { ...(resource.meta ?? {}) };
  meta.tag = [...(meta.tag ?? []).filter((t) => t.code !== SUBSETTED.code), SUBSETTED];
  out.meta = meta;
  return out as unknown as Resource;
}
