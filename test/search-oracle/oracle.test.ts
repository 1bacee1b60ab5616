/**
 * The search oracle (issue 3, Correctness): a generated data set loaded through the real embedded store and
 * search index, a few thousand generated searches run through Lucarne (parseSearchRequest + store.search) and
 * through an independent evaluator (reference-evaluator.ts: @medplum/core's matchesSearchRequest where it
 * follows R4, small evaluators of our own over @medplum/core's FHIRPath values elsewhere); the id sets must be
 * equal. Results are checked per class (parameter kind, modifier, prefix) so that a failure names its class.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { getSearchParameter } from '@medplum/core';
import { loadDefinitions } from '../../src/fhir/conformance/definitions';
import { parseSearchRequest } from '../../src/fhir/search/parse-search';
import { openEmbeddedStore, type EmbeddedStore } from '../../src/store/embedded/embedded-store';
import { createEmbeddedSearchIndex } from '../../src/store/embedded/search/embedded-search-index';
import { Prng } from '../../bench/generate/prng';
import { ORACLE_BASE_URL, oracleResources } from './oracle-data';
import { generateQueries, type OracleQuery } from './query-generator';
import { indexMedplumDefinitions, matches, routeOf } from './reference-evaluator';

/**
 * Deliberate differences between Lucarne and @medplum/core's in-memory matcher, with the R4 clause that
 * decides. Each is handled by evaluating that class with our own evaluator (reference-evaluator.ts) or, when
 * marked `excluded`, by not generating that query shape.
 */
export const DIFFERENCES = [
  {
    what: 'string (default, :exact, :contains)',
    medplum: 'substring match, case-insensitive but accent-sensitive, modifiers ignored',
    r4: 'default is case- and accent-insensitive starts-with over every part of a HumanName/Address; :exact is exact; :contains is anywhere',
    clause: 'http://hl7.org/fhir/R4/search.html#string',
    handling: 'own evaluator (fold + startsWith/includes/equals)',
  },
  {
    what: 'string normalisation of punctuation',
    medplum: 'n/a',
    r4: 'R4 requires case and accent insensitivity and leaves further normalisation to the server',
    clause: 'http://hl7.org/fhir/R4/search.html#string',
    handling: 'Lucarne also folds punctuation and space runs to one space ("Jean-Pierre" ~ "jean pierre"); the evaluator folds alike',
  },
  {
    what: 'date (every prefix)',
    medplum: 'compares ISO strings: zones other than UTC and mixed precisions order wrongly',
    r4: 'a date is the range implied by its precision; zones are instants; periods are ranges (open end = ongoing)',
    clause: 'http://hl7.org/fhir/R4/search.html#date and #prefix',
    handling: 'own evaluator over epoch-ms ranges; values without a zone (date, partial dates) are read as UTC (R4 leaves the zone of a date to the server)',
  },
  {
    what: 'number and quantity',
    medplum: 'not supported by matchesSearchRequest (always false)',
    r4: 'eq/ne use the implicit precision range [99.5, 100.5) of "100"; lt/le/gt/ge compare with exactly 100; ap within 10%; value|system|code must match the unit',
    clause: 'http://hl7.org/fhir/R4/search.html#number and #quantity',
    handling: 'own evaluator; sa/eb are not generated for numbers (R4 defines them for ranges only)',
  },
  {
    what: 'reference (id, Type/id, absolute URL, :[type], :identifier)',
    medplum: 'compares the raw reference string: a plain id, an absolute URL under the server base, :[type] and :identifier do not match',
    r4: 'id alone matches any type; an absolute URL under the base is the local reference; :[type] restricts the type; :identifier matches Reference.identifier',
    clause: 'http://hl7.org/fhir/R4/search.html#reference',
    handling: 'own evaluator',
  },
  {
    what: 'token :text and :of-type',
    medplum: 'modifier ignored (matched as a plain code)',
    r4: ':text is a string search on CodeableConcept.text / Coding.display; :of-type matches Identifier.type system|code and value',
    clause: 'http://hl7.org/fhir/R4/search.html#token',
    handling: 'own evaluator',
  },
  {
    what: 'token with |code or system|code on a plain `code` element with a bound required one-system ValueSet (e.g. gender)',
    medplum: 'a code element has no system',
    r4: 'the implicit system of a bound code may be used (Lucarne indexes gender as http://hl7.org/fhir/administrative-gender|male)',
    clause: 'http://hl7.org/fhir/R4/search.html#token',
    handling: 'excluded: system forms are only generated for Coding, CodeableConcept and Identifier values',
  },
  {
    what: 'token on Coding.display / CodeableConcept.text / Identifier.type.text',
    medplum: 'indexes those texts as system-less tokens, so `code=Body weight` or `|Body weight` match',
    r4: 'a token matches Coding.code / Identifier.value; text is reached only through :text',
    clause: 'http://hl7.org/fhir/R4/search.html#token',
    handling: 'excluded: token values are drawn from codes, never from displays (the data has no display equal to a code)',
  },
  {
    what: 'uri :below',
    medplum: 'uri searched as a substring',
    r4: ':below matches the value and the URIs below it path-wise',
    clause: 'http://hl7.org/fhir/R4/search.html#uri',
    handling: 'own evaluator',
  },
];

const definitions = loadDefinitions();
let dir: string;
let store: EmbeddedStore;
let stored: Resource[];
const now = Date.now();
let results: { query: OracleQuery; expected: string[]; actual: string[] | string }[];

function classOf(query: OracleQuery): string {
  if (query.clauses.length > 1) return 'combination of 2-3 parameters';
  return clauseClass(query.type, query.clauses[0]);
}

function clauseClass(type: string, c: OracleQuery['clauses'][number]): string {
  const query = { type };
  const [code, modifier] = c.key.split(':');
  const kind = code === '_id' || code === '_lastUpdated' ? code : getSearchParameter(query.type, code)!.type!;
  const prefix = /^(date|number|quantity|_lastUpdated)$/.test(kind) && !modifier ? (/^(eq|ne|gt|lt|ge|le|sa|eb|ap)/.exec(c.value)?.[1] ?? 'eq') : '';
  return `${kind}${modifier && modifier !== 'missing' && modifier !== 'not' && modifier !== 'exact' && modifier !== 'contains' && modifier !== 'text' && modifier !== 'of-type' && modifier !== 'below' && modifier !== 'identifier' ? ':[type]' : modifier ? `:${modifier}` : ''}${prefix ? ` ${prefix}` : ''}`;
}

beforeAll(async () => {
  indexMedplumDefinitions();
  dir = mkdtempSync(join(tmpdir(), 'lucarne-oracle-'));
  // meta.lastUpdated spread over 2023-2024 with milliseconds, so that _lastUpdated prefixes discriminate.
  const prng = new Prng(7);
  let t = Date.UTC(2023, 0, 1);
  const clock = { now: () => new Date((t += prng.int(1, 3 * 86400_000))) };
  // baseUrl: absolute references under the server's base are local ones (src/app.ts does not pass it yet).
  const index = createEmbeddedSearchIndex(definitions, { baseUrl: ORACLE_BASE_URL });
  store = openEmbeddedStore({ dataDir: dir, index, clock, durability: 'normal' });
  const resources = oracleResources();
  stored = await store.transaction(async (tx) => {
    const out: Resource[] = [];
    for (const r of resources) out.push((await tx.update(r as Resource & { id: string })).record.resource!);
    return out;
  });

  const queries = generateQueries(stored, 2500);
  const byType = new Map<string, Resource[]>();
  for (const r of stored) byType.set(r.resourceType, [...(byType.get(r.resourceType) ?? []), r]);
  results = [];
  for (const query of queries) {
    const expected = (byType.get(query.type) ?? []).filter((r) => matches(r, query.clauses, ORACLE_BASE_URL, now)).map((r) => r.id!).sort();
    let actual: string[] | string;
    try {
      const params = new URLSearchParams();
      for (const c of query.clauses) params.append(c.key, c.value);
      const { request, unknown } = parseSearchRequest(definitions, query.type, params, { baseUrl: ORACLE_BASE_URL });
      if (unknown.length > 0) throw new Error(`unknown: ${unknown.join(', ')}`);
      const result = await store.search({ ...request, count: 10_000, offset: 0, total: 'none' });
      actual = result.entries.map((e) => e.id).sort();
    } catch (e) {
      actual = `error: ${(e as Error).message}`;
    }
    results.push({ query, expected, actual });
  }
}, 120_000);

afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

function describeQuery(q: OracleQuery): string {
  return `${q.type}?${q.clauses.map((c) => `${c.key}=${c.value}`).join('&')}`;
}

function mismatches(cls: string): string[] {
  return results
    .filter((r) => classOf(r.query) === cls)
    // Combinations that contain a known-failing clause are left to that clause's own (failing) test.
    .filter((r) => r.query.clauses.length === 1 || !r.query.clauses.some((c) => KNOWN_FAILING.has(clauseClass(r.query.type, c))))
    .filter((r) => typeof r.actual === 'string' || r.actual.join() !== r.expected.join())
    .map((r) => {
      if (typeof r.actual === 'string') return `${describeQuery(r.query)} -> ${r.actual}`;
      const actual = new Set(r.actual);
      const expected = new Set(r.expected);
      const extra = r.actual.filter((id) => !expected.has(id));
      const missing = r.expected.filter((id) => !actual.has(id));
      return `${describeQuery(r.query)}: Lucarne also returned [${extra.slice(0, 5).join(' ')}] and missed [${missing.slice(0, 5).join(' ')}]`;
    });
}

/**
 * Classes Lucarne gets wrong today; `it.failing` until the fix lands (the test then fails, and the entry must
 * go). The number/quantity prefix, ap and reference:missing bugs are fixed.
 */
const KNOWN_FAILING = new Set<string>([]);

it('generates a few thousand searches, most with results, covering every class', () => {
  expect(results.length).toBe(2500);
  const nonEmpty = results.filter((r) => r.expected.length > 0).length;
  expect(nonEmpty / results.length).toBeGreaterThan(0.6);
  const routes = new Set(results.flatMap((r) => r.query.clauses.map((c) => routeOf(r.query.type, c))));
  expect([...routes].sort()).toEqual(['medplum', 'own']);
});

const NUMERIC_PREFIXES = ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'ap'];
const CLASSES = [
  'string', 'string:exact', 'string:contains', 'string:missing',
  'token', 'token:not', 'token:text', 'token:of-type', 'token:missing', '_id',
  'reference', 'reference:[type]', 'reference:identifier', 'reference:missing',
  ...['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap'].map((p) => `date ${p}`), 'date:missing',
  ...NUMERIC_PREFIXES.map((p) => `quantity ${p}`), 'quantity:missing',
  ...NUMERIC_PREFIXES.map((p) => `number ${p}`), 'number:missing',
  ...['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb'].map((p) => `_lastUpdated ${p}`),
  'uri', 'uri:below', 'uri:missing', 'combination of 2-3 parameters',
];

describe.each(CLASSES)('%s', (cls) => {
  // A known-failing class shows its bug only for some random values; its deterministic reproduction below is
  // the `it.failing` test, and this one comes back when the entry leaves KNOWN_FAILING.
  (KNOWN_FAILING.has(cls) ? it.skip : it)('matches the evaluator', () => {
    const sample = results.filter((r) => classOf(r.query) === cls);
    expect(sample.length).toBeGreaterThan(0);
    expect(mismatches(cls)).toEqual([]);
  });
});

it('every generated class is covered by a test above', () => {
  const seen = new Set(results.map((r) => classOf(r.query)));
  const uncovered = [...seen].filter((c) => !CLASSES.includes(c));
  expect(uncovered).toEqual([]);
  const orLists = results.filter((r) => r.query.clauses.some((c) => /(?<!\\),/.test(c.value)));
  expect(orLists.length).toBeGreaterThan(200);
});

/** Minimal reproductions of the Lucarne bugs behind KNOWN_FAILING (reported; `it.failing` until fixed). */
describe('reported Lucarne bugs (minimal reproductions)', () => {
  const ids = async (type: string, query: string) => {
    const { request } = parseSearchRequest(definitions, type, new URLSearchParams(query), { baseUrl: ORACLE_BASE_URL });
    return (await store.search({ ...request, count: 1000, offset: 0, total: 'none' })).entries.map((e) => e.id).filter((id) => id.startsWith('repro-'));
  };
  beforeAll(async () => {
    const subject = { reference: 'Patient/vp-1' };
    await store.update({ resourceType: 'RiskAssessment', id: 'repro-p', status: 'final', subject, prediction: [{ probabilityDecimal: 0.32 }] });
    await store.update({ resourceType: 'Observation', id: 'repro-q', status: 'final', code: { text: 'x' }, subject, valueQuantity: { value: 100.3, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' } });
    await store.update({ resourceType: 'Observation', id: 'repro-i', status: 'final', code: { text: 'x' }, subject: { identifier: { system: 'urn:oid:1.2.250.1.213.1.4.8', value: '123' } } });
  });
  it('number gt compares with the exact value: probability=gt0.3 finds 0.32', async () => {
    expect(await ids('RiskAssessment', 'probability=gt0.3')).toEqual(['repro-p']);
  });
  it('quantity le compares with the exact value: value-quantity=le100 does not find 100.3', async () => {
    expect(await ids('Observation', 'value-quantity=le100')).toEqual([]);
  });
  it('quantity ap is within 10% of the value: value-quantity=ap50 does not find 100.3', async () => {
    expect(await ids('Observation', 'value-quantity=ap50')).toEqual([]);
  });
  it('an identifier-only reference is not missing: subject:missing=true does not find it', async () => {
    expect(await ids('Observation', 'subject:missing=true')).toEqual([]);
  });
  it('_id:not with one value excludes that resource', async () => {
    expect(await ids('Observation', '_id:not=repro-q')).toEqual(['repro-i']);
  });
  it('(control) the same identifier-only reference is found by :identifier', async () => {
    expect(await ids('Observation', 'subject:identifier=urn:oid:1.2.250.1.213.1.4.8|123')).toEqual(['repro-i']);
  });
});

// R4 allows :missing on every parameter; every resource has an id and a meta.lastUpdated.
it.each([
  ['_lastUpdated:missing', 'false', true],
  ['_lastUpdated:missing', 'true', false],
  ['_id:missing', 'false', true],
])('%s=%s finds every resource or none', async (key, value, all) => {
  const { request } = parseSearchRequest(definitions, 'Practitioner', new URLSearchParams({ [key]: value }), { baseUrl: ORACLE_BASE_URL });
  const result = await store.search({ ...request, count: 1000, offset: 0, total: 'none' });
  expect(result.entries.length).toBe(all ? stored.filter((r) => r.resourceType === 'Practitioner').length : 0);
});
