import { evalFhirPathTyped, getSearchParameter, toTypedValue, type TypedValue } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { Prng } from '../../bench/generate/prng';
import type { Clause } from './reference-evaluator';
import { ORACLE_BASE_URL } from './oracle-data';

export interface OracleQuery {
  type: string;
  clauses: Clause[];
}

/** The parameters exercised per type (every kind and the awkward expressions: `as`, resolve(), unions). */
export const PARAMETERS: Record<string, string[]> = {
  Patient: ['name', 'family', 'given', 'address-city', 'birthdate', 'death-date', 'gender', 'identifier', 'telecom', 'active', 'general-practitioner', 'organization', '_profile'],
  Observation: ['code', 'category', 'status', 'subject', 'patient', 'date', 'value-quantity', 'value-string', 'performer', 'encounter', 'identifier', 'based-on', 'focus', 'combo-code', 'combo-value-quantity'],
  ImagingStudy: ['started', 'modality', 'subject', 'patient', 'endpoint', 'identifier', 'status', 'basedon', 'encounter', 'referrer', 'interpreter', 'bodysite', 'series'],
  ServiceRequest: ['code', 'authored', 'occurrence', 'requester', 'subject', 'patient', 'identifier', 'status', 'intent', 'instantiates-uri', 'encounter', 'performer', 'category'],
  DiagnosticReport: ['code', 'date', 'issued', 'subject', 'patient', 'result', 'status', 'category', 'based-on', 'encounter', 'performer', 'results-interpreter'],
  Endpoint: ['name', 'status', 'connection-type', 'organization', 'payload-type'],
  Organization: ['name', 'identifier', 'type', 'endpoint', 'active'],
  Practitioner: ['name', 'family', 'given', 'identifier', 'gender', 'active'],
  RiskAssessment: ['probability', 'subject', 'patient'],
};

const ZONES = ['Z', '+01:00', '+02:00', '-05:00', '+05:30'];

/**
 * Searches drawn (deterministically) from values present in the data, so that most have results: one clause
 * per parameter kind and modifier, OR lists, and combinations of two or three clauses on one type.
 */
export function generateQueries(resources: Resource[], count: number, seed = 99): OracleQuery[] {
  const prng = new Prng(seed);
  const byType = new Map<string, Resource[]>();
  for (const r of resources) if (PARAMETERS[r.resourceType]) byType.set(r.resourceType, [...(byType.get(r.resourceType) ?? []), r]);
  const types = [...byType.keys()].sort();
  const parameters = (type: string) => [...PARAMETERS[type], '_id', '_lastUpdated'];
  const queries: OracleQuery[] = [];
  // Single clauses go round every (type, parameter) pair, so that rare kinds get their share.
  const pairs = types.flatMap((type) => parameters(type).map((code) => [type, code] as const));
  for (let n = 0; queries.length < count; n++) {
    const combination = n % 10 >= 7;
    const [type, firstCode] = combination ? [prng.pick(types), undefined] : pairs[n % pairs.length];
    const pool = byType.get(type)!;
    const size = combination ? prng.int(2, 3) : 1;
    const clauses: Clause[] = [];
    for (let attempt = 0; clauses.length < size && attempt < 20; attempt++) {
      const clause = clauseFor(prng, type, firstCode ?? prng.pick(parameters(type)), pool);
      if (clause) clauses.push(clause);
    }
    if (clauses.length === size) queries.push({ type, clauses });
  }
  return withEveryNumberPrefix(queries, count);
}

/**
 * Number and quantity parameters are rare in the data, so a random draw can miss a prefix or :missing: each
 * missing one gets a copy of a drawn single clause of that kind with that prefix (or as :missing), in place
 * of the last queries (the count stays the same).
 */
function withEveryNumberPrefix(queries: OracleQuery[], count: number): OracleQuery[] {
  const extra: OracleQuery[] = [];
  for (const kind of ['number', 'quantity']) {
    const single = queries.filter((q) => q.clauses.length === 1 && getSearchParameter(q.type, q.clauses[0].key.replace(/:missing$/, ''))?.type === kind);
    const numeric = single.filter((q) => !q.clauses[0].key.endsWith(':missing'));
    if (numeric.length === 0) continue;
    const drawn = new Set(numeric.map((q) => /^(eq|ne|gt|lt|ge|le|ap)/.exec(q.clauses[0].value)?.[1] ?? 'eq'));
    const base = numeric[0];
    const number = base.clauses[0].value.replace(/^(eq|ne|gt|lt|ge|le|ap)/, '');
    for (const p of ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'ap'].filter((x) => !drawn.has(x))) {
      extra.push({ type: base.type, clauses: [{ ...base.clauses[0], value: `${p}${number}` }] });
    }
    if (single.length === numeric.length) extra.push({ type: base.type, clauses: [{ key: `${base.clauses[0].key}:missing`, value: 'true' }] });
  }
  return [...queries.slice(0, count - extra.length), ...extra];
}

function valuesOf(type: string, code: string, resource: Resource): TypedValue[] {
  const param = getSearchParameter(type, code)!;
  return evalFhirPathTyped(param.expression!, [toTypedValue(resource)]);
}

/** A value of the parameter taken from some resource of the pool (several tries), or undefined. */
function sample(prng: Prng, type: string, code: string, pool: Resource[]): TypedValue | undefined {
  for (let i = 0; i < 12; i++) {
    const values = valuesOf(type, code, prng.pick(pool));
    if (values.length > 0) return prng.pick(values);
  }
  return undefined;
}

function clauseFor(prng: Prng, type: string, code: string, pool: Resource[]): Clause | undefined {
  const param = getSearchParameter(type, code);
  if (!param) throw new Error(`unknown parameter ${type}.${code}`);
  // :missing on _id/_lastUpdated is its own hand-written case in oracle.test.ts (every resource has both).
  if (!code.startsWith('_') && prng.chance(0.1)) return { key: `${code}:missing`, value: prng.pick(['true', 'false']) };
  const n = prng.chance(0.2) ? prng.int(2, 3) : 1;
  const one = (): [string, string] | undefined => valueFor(prng, type, code, param.type!, pool);
  const first = one();
  if (!first) return undefined;
  const values = [first[1]];
  for (let i = 1; i < n; i++) {
    const next = one();
    // Alternatives share the first one's prefix, so that a query belongs to one prefix class.
    const prefix = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)/.exec(first[1])?.[1] ?? '';
    if (next && next[0] === first[0]) values.push(prefix ? prefix + next[1].replace(/^(eq|ne|gt|lt|ge|le|sa|eb|ap)/, '') : next[1].replace(/^(eq|ne|gt|lt|ge|le|sa|eb|ap)/, ''));
  }
  return { key: first[0], value: values.join(',') };
}

const escape = (s: string) => s.replace(/[\\,|$]/g, (c) => '\\' + c);

function valueFor(prng: Prng, type: string, code: string, kind: string, pool: Resource[]): [string, string] | undefined {
  if (code === '_id') return [code, prng.pick(pool).id!];
  if (code === '_lastUpdated') return [code, prng.pick(['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb']) + dateQuery(prng, prng.pick(pool).meta!.lastUpdated!)];
  const v = sample(prng, type, code, pool);
  if (!v) return undefined;
  const x = v.value as any;
  switch (kind) {
    case 'string': {
      const parts = [x, x?.family, ...(x?.given ?? []), x?.city, x?.line?.[0]].filter((s): s is string => typeof s === 'string');
      if (parts.length === 0) return undefined;
      const s = prng.pick(parts);
      switch (prng.int(0, 4)) {
        case 0: return [`${code}:exact`, escape(prng.chance(0.8) ? s : s.toUpperCase())];
        case 1: return [`${code}:contains`, escape(s.slice(prng.int(1, Math.max(1, s.length - 2)), s.length - prng.int(0, 1)) || s)];
        case 2: return [code, escape(s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().slice(0, prng.int(2, 6)))];
        default: return [code, escape(s.slice(0, prng.int(1, s.length)))];
      }
    }
    case 'token': {
      const codings: { system?: string; code?: string; display?: string }[] =
        v.type === 'CodeableConcept' ? x.coding ?? [] :
        v.type === 'Identifier' ? [{ system: x.system, code: x.value }] :
        v.type === 'ContactPoint' ? [{ code: x.value }] :
        v.type === 'Coding' ? [x] : [{ code: String(x) }];
      const c = codings.length > 0 ? prng.pick(codings) : undefined;
      const systemForms = v.type === 'CodeableConcept' || v.type === 'Identifier' || v.type === 'Coding';
      if (v.type === 'Identifier' && x.type?.coding?.length && prng.chance(0.25)) {
        const t = x.type.coding[0];
        return [`${code}:of-type`, `${escape(t.system)}|${escape(t.code)}|${escape(x.value)}`];
      }
      const text = v.type === 'CodeableConcept' ? x.text ?? x.coding?.[0]?.display : v.type === 'Coding' ? x.display : undefined;
      if (text && prng.chance(0.15)) return [`${code}:text`, escape(text.slice(0, prng.int(3, text.length)))];
      if (!c?.code) return undefined;
      const not = prng.chance(0.12) ? ':not' : '';
      if (!systemForms) return [code + not, escape(c.code)];
      switch (prng.int(0, 3)) {
        case 0: return [code + not, c.system ? `${escape(c.system)}|${escape(c.code)}` : `|${escape(c.code)}`];
        case 1: return c.system ? [code + not, `${escape(c.system)}|`] : [code + not, `|${escape(c.code)}`];
        default: return [code + not, escape(c.code)];
      }
    }
    case 'reference': {
      if (x?.identifier && !x.reference) return [`${code}:identifier`, `${escape(x.identifier.system)}|${escape(x.identifier.value)}`];
      const ref: string | undefined = x?.reference ?? (typeof x === 'string' ? x : undefined);
      if (!ref) return undefined;
      const local = ref.startsWith(ORACLE_BASE_URL + '/') ? ref.slice(ORACLE_BASE_URL.length + 1) : ref;
      const m = /^([A-Za-z]+)\/([^/]+)$/.exec(local);
      if (!m) return [code, escape(ref)];
      switch (prng.int(0, 4)) {
        case 0: return [code, m[2]];
        case 1: return [`${code}:${m[1]}`, m[2]];
        case 2: return [code, `${ORACLE_BASE_URL}/${m[1]}/${m[2]}`];
        default: return [code, `${m[1]}/${m[2]}`];
      }
    }
    case 'date': {
      const text: string | undefined = typeof x === 'string' ? x : prng.chance(0.5) ? x?.start ?? x?.end : x?.end ?? x?.start;
      if (!text) return undefined;
      return [code, prng.pick(['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap', '']) + dateQuery(prng, text)];
    }
    case 'number':
    case 'quantity': {
      const value: number | undefined = typeof x === 'number' ? x : x?.value;
      if (typeof value !== 'number') return undefined;
      const decimals = prng.int(0, 2);
      const shifted = value + (prng.chance(0.5) ? 0 : (prng.next() - 0.5) * Math.max(1, Math.abs(value) * 0.2));
      let q = prng.pick(['', 'eq', 'ne', 'gt', 'lt', 'ge', 'le', 'ap']) + shifted.toFixed(kind === 'number' ? prng.int(1, 3) : decimals);
      if (kind === 'quantity' && typeof x === 'object') {
        const unit = prng.int(0, 3);
        if (unit === 1 && x.system && x.code) q += `|${escape(x.system)}|${escape(x.code)}`;
        if (unit === 2 && (x.code ?? x.unit)) q += `||${escape(x.code ?? x.unit)}`;
      }
      return [code, q];
    }
    case 'uri': {
      if (typeof x !== 'string') return undefined;
      if (prng.chance(0.5)) return [code, escape(x)];
      const cut = x.lastIndexOf('/');
      return [`${code}:below`, escape(cut > 8 ? x.slice(0, cut) : x)];
    }
    default:
      return undefined;
  }
}

/** A search date around a stored one, at year, month, day, minute or second precision (times with a zone). */
function dateQuery(prng: Prng, stored: string): string {
  const base = new Date(Date.parse(stored.length <= 10 ? stored.padEnd(10, stored.length === 4 ? '-01-01' : '-01').slice(0, 10) : stored) + (prng.chance(0.5) ? 0 : prng.int(-40, 40) * 86400_000 * (prng.chance(0.5) ? 1 : 0.01)));
  const iso = base.toISOString();
  switch (prng.int(0, 4)) {
    case 0: return iso.slice(0, 4);
    case 1: return iso.slice(0, 7);
    case 2: return iso.slice(0, 10);
    default: {
      const zone = prng.pick(ZONES);
      const offset = zone === 'Z' ? 0 : (zone[0] === '-' ? -1 : 1) * (+zone.slice(1, 3) * 60 + +zone.slice(4, 6));
      const local = new Date(base.getTime() + offset * 60000).toISOString();
      return escape(`${local.slice(0, prng.chance(0.5) ? 16 : 19)}${zone}`);
    }
  }
}
