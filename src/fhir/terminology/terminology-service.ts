import type { CodeSystem, Coding, Resource, ValueSet, ValueSetExpansionContains } from '@medplum/fhirtypes';
import { FhirError, badRequest, issue, notFound } from '../../kernel/errors';
import type { Definitions } from '../conformance/definitions';
import { CodeSystemIndex, type IndexedConcept } from './code-system-index';
import { TerminologySource, splitCanonical } from './terminology-source';
import { ValueSetExpander, type ExpansionItem } from './value-set-expander';

export interface ExpandOptions {
  /** Text filter: every word must start a word of the code, display or a designation (accents and case ignored). */
  filter?: string;
  offset?: number;
  count?: number;
}

export interface ValidateCodeRequest {
  /** ValueSet canonical (ValueSet validation) or CodeSystem canonical (CodeSystem validation). */
  url?: string;
  valueSet?: ValueSet;
  system?: string;
  version?: string;
  code?: string;
  display?: string;
  coding?: Coding;
  codeableConcept?: { coding?: Coding[] };
}

export interface ValidateCodeResult {
  result: boolean;
  message?: string;
  display?: string;
  /** Set when the code could not be checked (a CodeSystem fragment does not hold it): a warning, not an error. */
  warning?: boolean;
}

export interface LookupResult {
  name: string;
  version?: string;
  display?: string;
  definition?: string;
  designation: { language?: string; use?: Coding; value: string }[];
  property: { code: string; type: string; value: unknown }[];
  abstract: boolean;
}

export type SubsumptionOutcome = 'equivalent' | 'subsumes' | 'subsumed-by' | 'not-subsumed';

/** Larger unpaged expansions are refused: ask for a page (count) or a filter. */
export const MAX_EXPANSION = 10000;

/**
 * The terminology engine behind $expand, $validate-code, $lookup, $subsumes and the search token modifiers:
 * CodeSystems and ValueSets from terminology/ and the R4 definitions, indexed lazily and kept (they never
 * change while the server runs).
 */
export class TerminologyService {
  private readonly source: TerminologySource;
  private readonly indexes = new Map<string, CodeSystemIndex | null>();
  private readonly expansions = new Map<string, ExpansionItem[]>();
  private readonly expander: ValueSetExpander;

  constructor(definitions: Definitions, extra: readonly Resource[] = [], private readonly now: () => Date = () => new Date()) {
    this.source = new TerminologySource(definitions, extra);
    this.expander = new ValueSetExpander({ codeSystem: (url) => this.index(url), valueSet: (url) => this.source.valueSet(url) });
  }

  valueSetById(id: string): ValueSet | undefined {
    return this.source.byId('ValueSet', id) as ValueSet | undefined;
  }

  codeSystemById(id: string): CodeSystem | undefined {
    return this.source.byId('CodeSystem', id) as CodeSystem | undefined;
  }

  /** The ValueSet of a canonical (`url|version`), or 404 naming it. */
  resolveValueSet(canonical: string): ValueSet {
    const [url, version] = splitCanonical(canonical);
    const vs = this.source.valueSet(url);
    if (!vs) throw notFound(`ValueSet '${url}' is not known to this server`);
    if (version && vs.version && vs.version !== version) throw notFound(`ValueSet '${url}' version '${version}' is not known (this server has version '${vs.version}')`);
    return vs;
  }

  /** Every code of a ValueSet, unpaged (cached per canonical URL). */
  codes(valueSet: string | ValueSet): ExpansionItem[] {
    const vs = typeof valueSet === 'string' ? this.resolveValueSet(valueSet) : valueSet;
    const cacheKey = typeof valueSet === 'string' && vs.url ? `${vs.url}|${vs.version ?? ''}` : undefined;
    const cached = cacheKey ? this.expansions.get(cacheKey) : undefined;
    if (cached) return cached;
    const items = this.expander.expand(vs);
    if (cacheKey) this.expansions.set(cacheKey, items);
    return items;
  }

  expand(valueSet: string | ValueSet, options: ExpandOptions = {}): ValueSet {
    const vs = typeof valueSet === 'string' ? this.resolveValueSet(valueSet) : valueSet;
    let items = this.codes(typeof valueSet === 'string' ? valueSet : vs);
    if (options.filter) {
      const words = normalise(options.filter).split(/[^\p{L}\p{N}]+/u).filter(Boolean);
      items = items.filter((i) => matchesWords(i, words));
    }
    const offset = options.offset ?? 0;
    if (options.count === undefined && items.length - offset > MAX_EXPANSION) {
      throw new FhirError(400, [issue('too-costly', `ValueSet '${vs.url ?? vs.id}' has ${items.length} codes: ask for a page with count (at most ${MAX_EXPANSION} at once) or a filter`)]);
    }
    const page = items.slice(offset, options.count === undefined ? undefined : offset + Math.min(options.count, MAX_EXPANSION));
    const parameter: NonNullable<ValueSet['expansion']>['parameter'] = [];
    if (options.filter) parameter.push({ name: 'filter', valueString: options.filter });
    if (options.offset !== undefined) parameter.push({ name: 'offset', valueInteger: offset });
    if (options.count !== undefined) parameter.push({ name: 'count', valueInteger: options.count });
    for (const used of new Set(items.map((i) => (i.version ? `${i.system}|${i.version}` : i.system)))) parameter.push({ name: 'used-codesystem', valueUri: used });
    const { compose: _compose, expansion: _expansion, text: _text, ...header } = vs;
    return {
      ...header,
      resourceType: 'ValueSet',
      expansion: {
        timestamp: this.now().toISOString(),
        total: items.length,
        offset,
        ...(parameter.length ? { parameter } : {}),
        contains: page.map(toContains),
      },
    };
  }

  validateCode(request: ValidateCodeRequest, kind: 'ValueSet' | 'CodeSystem'): ValidateCodeResult {
    const codings = candidateCodings(request);
    if (kind === 'CodeSystem') {
      const system = request.url ?? request.system ?? codings[0]?.system;
      if (!system) throw badRequest('$validate-code on CodeSystem needs url (or system), or a coding with a system', 'url');
      const index = this.requireIndex(system, request.version);
      return firstValid(codings.map((c) => {
        if (c.system && c.system !== index.url) return { result: false, message: `The coding's system '${c.system}' is not the CodeSystem '${index.url}'` };
        return checkConcept(index, c.code, c.display);
      }));
    }
    const vs = request.valueSet ?? (request.url ? this.resolveValueSet(request.url) : undefined);
    if (!vs) throw badRequest('$validate-code on ValueSet needs url or valueSet', 'url');
    const items = this.codes(request.valueSet ?? (request.url as string));
    const name = vs.url ?? vs.id ?? 'the ValueSet';
    return firstValid(codings.map((c) => {
      const found = items.find((i) => i.code === c.code && (c.system === undefined || i.system === c.system));
      if (!found && c.system && this.includesWholeFragment(vs, c.system) && !this.index(c.system)?.get(c.code)) return fragmentWarning(c.code, c.system, this.index(c.system) as CodeSystemIndex);
      if (!found) return { result: false, message: `The code '${c.system ? `${c.system}|` : ''}${c.code}' is not in the ValueSet '${name}'` };
      const concept = this.index(found.system)?.get(found.code);
      const alternatives = [...(found.designation ?? []), ...(concept?.display ? [{ value: concept.display }] : [])];
      return checkDisplay(found.display, alternatives, c.display);
    }));
  }

  lookup(system: string, code: string, version?: string, properties?: string[]): LookupResult {
    const index = this.requireIndex(system, version);
    const concept = index.get(code);
    if (!concept) throw notFound(`Code '${code}' is not in the CodeSystem '${system}'${index.complete ? '' : ` (this server holds only a ${index.codeSystem.content} of it)`}`);
    const all: LookupResult['property'] = [
      ...[...concept.parents].map((value) => ({ code: 'parent', type: 'valueCode', value })),
      ...[...concept.children].map((value) => ({ code: 'child', type: 'valueCode', value })),
      ...concept.properties.filter((p) => p.value !== undefined && !['parent', 'child'].includes(p.code)),
    ];
    const wanted = properties?.length ? new Set(properties) : undefined;
    return {
      name: index.codeSystem.title ?? index.codeSystem.name ?? system,
      version: index.codeSystem.version,
      display: concept.display,
      definition: concept.definition,
      designation: concept.designation.filter((d) => d.value) as LookupResult['designation'],
      property: wanted ? all.filter((p) => wanted.has(p.code)) : all,
      abstract: concept.notSelectable,
    };
  }

  subsumes(system: string, codeA: string, codeB: string, version?: string): SubsumptionOutcome {
    const index = this.requireIndex(system, version);
    const a = index.get(codeA);
    const b = index.get(codeB);
    for (const [name, code, concept] of [['codeA', codeA, a], ['codeB', codeB, b]] as const) {
      if (!concept) throw new FhirError(400, [issue('code-invalid', `${name} '${code}' is not in the CodeSystem '${system}'`, name)]);
    }
    const [ca, cb] = [a as IndexedConcept, b as IndexedConcept];
    if (ca.code === cb.code) return 'equivalent';
    if (index.ancestors(cb.code).has(ca.code)) return 'subsumes';
    if (index.ancestors(ca.code).has(cb.code)) return 'subsumed-by';
    return 'not-subsumed';
  }

  /**
   * Whether a ValueSet takes every code of a system this server holds only part of (an include of the
   * whole system, not excluded): a code missing from the fragment may still belong to the ValueSet.
   */
  private includesWholeFragment(vs: ValueSet, system: string): boolean {
    const index = this.index(system);
    if (!index || index.complete) return false;
    return (vs.compose?.include ?? []).some((i) => i.system === system && !i.concept?.length && !i.filter?.length && !i.valueSet?.length);
  }

  /** The indexed CodeSystem of a canonical, or undefined when unknown. */
  index(url: string): CodeSystemIndex | undefined {
    let index = this.indexes.get(url);
    if (index === undefined) {
      const cs = this.source.codeSystem(url);
      index = cs ? new CodeSystemIndex(cs) : null;
      this.indexes.set(url, index);
    }
    return index ?? undefined;
  }

  private requireIndex(canonical: string, requestedVersion?: string): CodeSystemIndex {
    const [url, inlineVersion] = splitCanonical(canonical);
    const version = requestedVersion ?? inlineVersion;
    const index = this.index(url);
    if (!index || index.codeSystem.content === 'not-present') throw notFound(`CodeSystem '${url}' is not available on this server`);
    if (version && index.codeSystem.version && version !== index.codeSystem.version) {
      throw notFound(`CodeSystem '${url}' version '${version}' is not known (this server has version '${index.codeSystem.version}')`);
    }
    return index;
  }
}

function candidateCodings(request: ValidateCodeRequest): { system?: string; code: string; display?: string }[] {
  if (request.code !== undefined) return [{ system: request.system, code: request.code, display: request.display }];
  if (request.coding) {
    if (!request.coding.code) throw badRequest('coding has no code', 'coding');
    return [{ system: request.coding.system, code: request.coding.code, display: request.coding.display }];
  }
  const codings = (request.codeableConcept?.coding ?? []).filter((c) => c.code);
  if (codings.length === 0) throw badRequest('$validate-code needs code, coding or codeableConcept', 'code');
  return codings.map((c) => ({ system: c.system, code: c.code as string, display: c.display }));
}

function firstValid(results: ValidateCodeResult[]): ValidateCodeResult {
  return results.find((r) => r.result && !r.warning) ?? results.find((r) => r.result) ?? results[0];
}

function fragmentWarning(code: string, system: string, index: CodeSystemIndex): ValidateCodeResult {
  return {
    result: true,
    warning: true,
    message: `The code '${code}' could not be checked: this server holds only a ${index.codeSystem.content} of the CodeSystem '${system}', which does not contain it`,
  };
}

function checkConcept(index: CodeSystemIndex, code: string, display: string | undefined): ValidateCodeResult {
  const concept = index.get(code);
  if (!concept && !index.complete) return fragmentWarning(code, index.url, index);
  if (!concept) return { result: false, message: `The code '${code}' is not in the CodeSystem '${index.url}'` };
  return checkDisplay(concept.display, concept.designation, display);
}

function checkDisplay(expected: string | undefined, designations: { value?: string }[], display: string | undefined): ValidateCodeResult {
  const ok: ValidateCodeResult = expected ? { result: true, display: expected } : { result: true };
  if (display === undefined || expected === undefined) return ok;
  const accepted = [expected, ...designations.map((d) => d.value)].filter(Boolean).map((s) => normalise(s as string));
  if (accepted.includes(normalise(display))) return ok;
  return { result: false, display: expected, message: `The display '${display}' is not a display of this code: expected '${expected}'` };
}

/** Lower case without accents, so "echographie" finds "Échographie". */
export function normalise(text: string): string {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
}

function matchesWords(item: ExpansionItem, words: string[]): boolean {
  const texts = [item.code, item.display ?? '', ...(item.designation ?? []).map((d) => d.value ?? '')].map(normalise);
  const tokens = texts.flatMap((t) => t.split(/[^\p{L}\p{N}]+/u)).filter(Boolean);
  return words.every((w) => tokens.some((t) => t.startsWith(w)));
}

function toContains(item: ExpansionItem): ValueSetExpansionContains {
  const c: ValueSetExpansionContains = { system: item.system };
  if (item.version) c.version = item.version;
  if (item.abstract) c.abstract = true;
  if (item.inactive) c.inactive = true;
  c.code = item.code;
  if (item.display) c.display = item.display;
  if (item.designation?.length) c.designation = item.designation;
  return c;
}
