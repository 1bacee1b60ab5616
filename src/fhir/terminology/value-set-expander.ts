import type { ValueSet, ValueSetComposeInclude, ValueSetComposeIncludeConceptDesignation, ValueSetComposeIncludeFilter, ValueSetExpansionContains } from '@medplum/fhirtypes';
import { RE2JS } from 're2js';
import { FhirError, issue, notFound } from '../../kernel/errors';
import type { CodeSystemIndex } from './code-system-index';
import { EXPANSION_LIMITS, assertComposeWithinLimits, tooCostly } from './expansion-limits';
import { splitCanonical } from './terminology-source';

export interface ExpansionItem {
  system: string;
  version?: string;
  code: string;
  display?: string;
  designation?: ValueSetComposeIncludeConceptDesignation[];
  abstract?: boolean;
  inactive?: boolean;
}

export interface ExpanderDeps {
  codeSystem(url: string): CodeSystemIndex | undefined;
  valueSet(url: string): ValueSet | undefined;
}

/** Nested value sets deeper than this are treated as a cycle. */
const MAX_DEPTH = 12;

const key = (system: string, code: string) => `${system}|${code}`;

/**
 * Computes every code of a ValueSet from its compose (include/exclude by system, enumerated concepts,
 * hierarchical and property filters, nested value sets), or takes its stored expansion when it has no compose.
 * Codes come out in definition order, without duplicates.
 */
export class ValueSetExpander {
  constructor(private readonly deps: ExpanderDeps) {}

  /** Throws 400 too-costly when the compose (or the codes it lists in all) passes EXPANSION_LIMITS. */
  expand(vs: ValueSet): ExpansionItem[] {
    return this.expandWithin(vs, 0, { listed: 0 });
  }

  private expandWithin(vs: ValueSet, depth: number, work: Work): ExpansionItem[] {
    const name = vs.url ?? `ValueSet/${vs.id ?? '(inline)'}`;
    if (depth > MAX_DEPTH) throw new FhirError(400, [issue('processing', `ValueSet '${name}' nests value sets too deeply (or includes itself)`)]);
    if (!vs.compose) {
      if (vs.expansion?.contains) return flatten(vs.expansion.contains);
      throw new FhirError(400, [issue('processing', `ValueSet '${name}' has neither a compose nor an expansion`)]);
    }
    assertComposeWithinLimits(vs, name);
    const result = new Map<string, ExpansionItem>();
    for (const include of vs.compose.include ?? []) {
      for (const item of this.includeItems(include, name, depth, work)) if (!result.has(key(item.system, item.code))) result.set(key(item.system, item.code), item);
    }
    for (const exclude of vs.compose.exclude ?? []) {
      for (const item of this.includeItems(exclude, name, depth, work)) result.delete(key(item.system, item.code));
    }
    return [...result.values()];
  }

  private includeItems(include: ValueSetComposeInclude, vsName: string, depth: number, work: Work): ExpansionItem[] {
    let items: ExpansionItem[] | undefined;
    if (include.system) items = count(work, this.systemItems(include, vsName), vsName);
    for (const nested of include.valueSet ?? []) {
      const [url] = splitCanonical(nested);
      const vs = this.deps.valueSet(url);
      if (!vs) throw notFound(`ValueSet '${url}' (included by ValueSet '${vsName}') is not known to this server`);
      const nestedItems = count(work, this.expandWithin(vs, depth + 1, work), vsName);
      if (items === undefined) items = nestedItems;
      else {
        const keep = new Set(nestedItems.map((i) => key(i.system, i.code)));
        items = items.filter((i) => keep.has(key(i.system, i.code)));
      }
    }
    return items ?? [];
  }

  private systemItems(include: ValueSetComposeInclude, vsName: string): ExpansionItem[] {
    const system = include.system as string;
    const index = this.deps.codeSystem(system);
    if (include.concept?.length) {
      const items: ExpansionItem[] = [];
      for (const c of include.concept) {
        const concept = index?.get(c.code as string);
        if (index?.complete && !concept) continue;
        items.push(item(system, index, c.code as string, c.display ?? concept?.display, [...(c.designation ?? []), ...(concept?.designation ?? [])], concept));
      }
      return items;
    }
    if (!index || index.codeSystem.content === 'not-present') {
      throw notFound(`CodeSystem '${system}' (included by ValueSet '${vsName}') is not available on this server, so its codes cannot be listed`);
    }
    let codes = [...index.concepts.keys()];
    for (const filter of include.filter ?? []) codes = applyFilter(index, codes, filter, vsName);
    return codes.map((code) => {
      const concept = index.concepts.get(code);
      return item(system, index, code, concept?.display, concept?.designation, concept);
    });
  }
}

/** The codes listed so far in one expansion. */
interface Work {
  listed: number;
}

function count(work: Work, items: ExpansionItem[], vsName: string): ExpansionItem[] {
  work.listed += items.length;
  if (work.listed > EXPANSION_LIMITS.maxWork) {
    throw tooCostly(`Expanding ValueSet '${vsName}' lists more than ${EXPANSION_LIMITS.maxWork} codes (includes of the same codes count each time)`);
  }
  return items;
}

function item(
  system: string, index: CodeSystemIndex | undefined, code: string, display: string | undefined,
  designation: ValueSetComposeIncludeConceptDesignation[] | undefined, concept: { notSelectable: boolean; inactive: boolean } | undefined,
): ExpansionItem {
  const result: ExpansionItem = { system, code };
  if (index?.codeSystem.version) result.version = index.codeSystem.version;
  if (display) result.display = display;
  if (designation?.length) result.designation = designation;
  if (concept?.notSelectable) result.abstract = true;
  if (concept?.inactive) result.inactive = true;
  return result;
}

function flatten(contains: ValueSetExpansionContains[]): ExpansionItem[] {
  const out: ExpansionItem[] = [];
  for (const c of contains) {
    if (c.system && c.code) out.push({ system: c.system, version: c.version, code: c.code, display: c.display, abstract: c.abstract, inactive: c.inactive });
    out.push(...flatten(c.contains ?? []));
  }
  return out;
}

function applyFilter(index: CodeSystemIndex, codes: string[], filter: ValueSetComposeIncludeFilter, vsName: string): string[] {
  const { property, op, value } = filter;
  const hierarchical = property === 'concept' || property === 'code';
  const target = index.get(value ?? '')?.code ?? value ?? '';
  const unsupported = () =>
    new FhirError(400, [issue('not-supported', `ValueSet '${vsName}': filter '${property} ${op} ${value}' on '${index.url}' is not supported`)]);
  if (hierarchical && (op === 'is-a' || op === 'descendent-of' || op === 'is-not-a' || op === 'generalizes')) {
    let set: Set<string>;
    if (op === 'generalizes') set = new Set([target, ...index.ancestors(target)]);
    else set = index.descendants(target);
    if (op === 'is-a' || op === 'is-not-a') set.add(target);
    if (!index.concepts.has(target)) set = new Set();
    return codes.filter((c) => (op === 'is-not-a' ? !set.has(c) : set.has(c)));
  }
  if (hierarchical && op === 'in') {
    const set = new Set((value ?? '').split(',').map((s) => s.trim()));
    return codes.filter((c) => set.has(c));
  }
  if (hierarchical && op === 'regex') {
    const re = safeRegex(value ?? '', unsupported);
    return codes.filter((c) => re.test(c));
  }
  if (op === '=' || op === 'exists' || op === 'regex' || op === 'in') {
    const re = op === 'regex' ? safeRegex(value ?? '', unsupported) : undefined;
    const wanted = op === 'in' ? new Set((value ?? '').split(',').map((s) => s.trim())) : undefined;
    return codes.filter((code) => {
      const concept = index.concepts.get(code);
      const values = property === 'display' ? [concept?.display] : (concept?.properties ?? []).filter((p) => p.code === property).map((p) => p.value);
      const present = values.filter((v) => v !== undefined).map((v) => (typeof v === 'object' && v !== null ? (v as { code?: string }).code : String(v)));
      if (op === 'exists') return (present.length > 0) === (value !== 'false');
      if (re) return present.some((v) => v !== undefined && re.test(v));
      if (wanted) return present.some((v) => v !== undefined && wanted.has(v));
      return present.includes(value);
    });
  }
  throw unsupported();
}

interface Pattern {
  test(value: string): boolean;
}

/**
 * A `regex` filter's pattern, matched against the whole value by RE2 (linear time in the value, whatever
 * the pattern: no backtracking, so no pattern can stall the server). Constructs RE2 does not have (back
 * references, look-around) and over-long patterns answer 400.
 */
function safeRegex(source: string, fail: () => FhirError): Pattern {
  if (source.length > EXPANSION_LIMITS.maxPatternLength) {
    throw tooCostly(`A regex filter may be at most ${EXPANSION_LIMITS.maxPatternLength} characters long`);
  }
  let re: RE2JS;
  try {
    re = RE2JS.compile(source);
  } catch {
    throw fail();
  }
  return { test: (value) => re.matches(value) };
}
