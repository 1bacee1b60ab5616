import type { Resource } from '@medplum/fhirtypes';
import { loadDefinitions } from '../../../fhir/conformance/definitions';
import { entryKey } from '../../../fhir/search/extract';
import type { IndexEntry } from '../../../fhir/search/index-entry';
import { parseSearchRequest } from '../../../fhir/search/parse-search';
import { compileSearch } from './compile-search';
import { encodeRows, IndexWriter } from './index-writer';
import { ParamIds } from './param-ids';
import { openSearchTestDb } from './search-test-db';
import { findParamAliases } from './union-params';

const definitions = loadDefinitions();
type R = Resource & { id: string };
const L = 'http://loinc.org';
const U = 'http://unitsofmeasure.org';
const S = 'http://snomed.info/sct';
const cc = (code: string, text?: string) => ({ coding: [{ system: L, code }], ...(text ? { text } : {}) });
const qty = (value: number) => ({ value, system: U, code: 'mm' });

const observations: R[] = [
  { resourceType: 'Observation', id: 'o1', status: 'final', code: cc('a'), valueQuantity: qty(10),
    subject: { reference: 'Patient/p1' }, component: [{ code: cc('b'), valueQuantity: qty(5) }] },
  { resourceType: 'Observation', id: 'o2', status: 'final', code: cc('b', 'Tension'), valueQuantity: qty(5),
    subject: { reference: 'Patient/p2' } },
  { resourceType: 'Observation', id: 'o3', status: 'final', code: cc('c'), subject: { reference: 'Patient/p1' },
    component: [{ code: cc('a'), valueCodeableConcept: { coding: [{ system: S, code: 'pos' }] } },
      { code: cc('d', 'Tension systolique'), valueQuantity: qty(7) }] },
  { resourceType: 'Observation', id: 'o4', status: 'final', code: cc('e'),
    dataAbsentReason: { coding: [{ system: S, code: 'masked' }] },
    component: [{ code: cc('f'), dataAbsentReason: { coding: [{ system: S, code: 'error' }] } }] },
  { resourceType: 'Observation', id: 'o5', status: 'final', code: cc('a'), valueCodeableConcept: { coding: [{ system: S, code: 'neg' }] } },
  { resourceType: 'Observation', id: 'o6', status: 'final' } as R,
];

describe('union parameters of R4', () => {
  const t = openSearchTestDb(definitions);
  afterAll(() => t.close());
  const aliases = findParamAliases(definitions, t.index.extractor);

  it('are found from the definitions: the Observation combo-* parameters, nothing else', () => {
    const found: string[] = [];
    for (const type of definitions.resourceTypes) {
      for (const p of definitions.searchParameters(type)) {
        const stored = aliases.resolve(type, p.code as string);
        if (stored.length !== 1 || stored[0] !== p.code) found.push(`${type}.${p.code} = ${stored.join(' | ')}`);
      }
    }
    expect(found.sort()).toEqual([
      'Observation.combo-code = code | component-code',
      'Observation.combo-code-value-concept = code-value-concept | component-code-value-concept',
      'Observation.combo-code-value-quantity = code-value-quantity | component-code-value-quantity',
      'Observation.combo-data-absent-reason = component-data-absent-reason | data-absent-reason',
      'Observation.combo-value-concept = component-value-concept | value-concept',
      'Observation.combo-value-quantity = component-value-quantity | value-quantity',
    ]);
    expect(aliases.resolve('Observation', 'combo-code:text')).toEqual(['code:text', 'component-code:text']);
    expect(aliases.resolve('Observation', 'combo-code-value-quantity#1'))
      .toEqual(['code-value-quantity#1', 'component-code-value-quantity#1']);
  });

  it('extract to exactly their parts\' entries (composites: the same element value sets)', () => {
    const signature = (entries: IndexEntry[], codes: readonly string[], composite: boolean) => {
      const out = new Set<string>();
      codes.forEach((code, part) => {
        const groups = new Map<string, string[]>();
        for (const e of entries) {
          const cut = e.code.search(/[:#]/);
          if ((cut < 0 ? e.code : e.code.slice(0, cut)) !== code) continue;
          const key = entryKey({ ...e, code: e.code.slice(code.length), group: 0 });
          const g = composite ? `${part}/${e.group}` : key;
          groups.set(g, [...(groups.get(g) ?? []), key]);
        }
        for (const keys of groups.values()) out.add([...new Set(keys)].sort().join('\n'));
      });
      return [...out].sort();
    };
    for (const o of observations) {
      const entries = t.index.extractor.extract(o);
      for (const code of ['combo-code', 'combo-value-quantity', 'combo-value-concept', 'combo-data-absent-reason',
        'combo-code-value-quantity', 'combo-code-value-concept']) {
        const composite = code.startsWith('combo-code-');
        expect(signature(entries, aliases.resolve('Observation', code), composite)).toEqual(signature(entries, [code], composite));
      }
    }
  });
});

describe('searches on union parameters', () => {
  const t = openSearchTestDb(definitions);
  beforeAll(() => {
    t.put({ resourceType: 'Patient', id: 'p1' } as R);
    t.put({ resourceType: 'Patient', id: 'p2' } as R);
    for (const o of observations) t.put(o);
    t.put({ resourceType: 'DiagnosticReport', id: 'd1', status: 'final', code: cc('x'), result: [{ reference: 'Observation/o3' }] } as R);
    t.put({ resourceType: 'DiagnosticReport', id: 'd2', status: 'final', code: cc('x'), result: [{ reference: 'Observation/o2' }] } as R);
  });
  afterAll(() => t.close());
  const O = (q: string) => t.ids('Observation', q);

  it('stores no row under them', () => {
    const n = t.db.prepare("SELECT COUNT(*) AS n FROM idx_param WHERE code LIKE 'combo-%'").get() as { n: number };
    expect(n.n).toBe(0);
  });

  it('token: plain, system, :not, :text, :missing, :in-like OR lists', () => {
    expect(O('combo-code=a')).toEqual(['o1', 'o3', 'o5']);
    expect(O(`combo-code=${L}|b`)).toEqual(['o1', 'o2']);
    expect(O(`combo-code=${L}|`)).toEqual(['o1', 'o2', 'o3', 'o4', 'o5']);
    expect(O('combo-code=d,f')).toEqual(['o3', 'o4']);
    expect(O('combo-code:not=a')).toEqual(['o2', 'o4', 'o6']);
    expect(O('combo-code:text=tension')).toEqual(['o2', 'o3']);
    expect(O('combo-code:missing=true')).toEqual(['o6']);
    expect(O('combo-code:missing=false')).toEqual(['o1', 'o2', 'o3', 'o4', 'o5']);
    expect(O('combo-value-concept=pos,neg')).toEqual(['o3', 'o5']);
    expect(O('combo-data-absent-reason=error')).toEqual(['o4']);
    expect(O('combo-data-absent-reason=masked')).toEqual(['o4']);
    expect(O('combo-code=a&combo-code=b')).toEqual(['o1']);
  });

  it('quantity, with prefixes and units', () => {
    expect(O('combo-value-quantity=5')).toEqual(['o1', 'o2']);
    expect(O(`combo-value-quantity=gt6|${U}|mm`)).toEqual(['o1', 'o3']);
    expect(O('combo-value-quantity=lt6||mm')).toEqual(['o1', 'o2']);
    expect(O('combo-value-quantity:missing=true')).toEqual(['o4', 'o5', 'o6']);
  });

  it('composites keep same-element semantics per part', () => {
    expect(O(`combo-code-value-quantity=${L}|b$5`)).toEqual(['o1', 'o2']);
    expect(O('combo-code-value-quantity=a$5')).toEqual([]);
    expect(O('combo-code-value-quantity=a$10')).toEqual(['o1']);
    expect(O('combo-code-value-quantity=d$7,a$10')).toEqual(['o1', 'o3']);
    expect(O('combo-code-value-quantity=d$5')).toEqual([]);
    expect(O(`combo-code-value-concept=a$${S}|pos`)).toEqual(['o3']);
    expect(O('combo-code-value-concept=a$neg')).toEqual(['o5']);
    expect(O('combo-code-value-concept=c$pos')).toEqual([]);
    expect(O('combo-code-value-quantity:missing=false')).toEqual(['o1', 'o2', 'o3']);
  });

  it('sort, chains, _has, includes, totals', () => {
    expect(t.search('Observation', 'combo-code=a,b,c&_sort=-combo-code').ids).toEqual(['o3', 'o1', 'o2', 'o5']);
    expect(t.search('Observation', '_sort=combo-value-quantity&combo-value-quantity:missing=false').ids).toEqual(['o1', 'o2', 'o3']);
    expect(t.ids('DiagnosticReport', 'result.combo-code=a')).toEqual(['d1']);
    expect(t.ids('DiagnosticReport', 'result.combo-code-value-quantity=d$7')).toEqual(['d1']);
    expect(t.ids('Patient', '_has:Observation:subject:combo-code=b')).toEqual(['p1', 'p2']);
    expect(t.ids('Patient', '_has:Observation:subject:combo-value-quantity=7')).toEqual(['p1']);
    const page = t.search('Observation', 'combo-code=a&_include=Observation:subject&_total=accurate');
    expect(page.total).toBe(3);
    expect(page.included?.length).toBe(1);
    expect(t.search('Observation', 'combo-code=b&_count=0').total).toBe(2);
    expect(t.search('Observation', 'combo-code=a&combo-value-quantity:missing=false&_total=accurate').total).toBe(2);
    expect(t.search('Observation', 'combo-code=a&combo-value-quantity:missing=true&_total=accurate').ids).toEqual(['o5']);
  });

  it('keyset pages forwards and backwards', () => {
    const { request } = parseSearchRequest(definitions, 'Observation', new URLSearchParams(`combo-code=${L}|a&_count=1`));
    const seen: number[] = [];
    let page = t.index.search(t.db, request);
    const pages = [page];
    while (page.next) {
      page = t.index.search(t.db, { ...request, cursor: page.next });
      pages.push(page);
    }
    for (const p of pages) seen.push(...p.rids);
    expect(seen.length).toBe(3);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    const back = t.index.search(t.db, { ...request, cursor: pages[2].previous });
    expect(back.rids).toEqual(pages[1].rids);
  });

  it('are index searches; an equality still pages in rid order from merged index ranges', () => {
    const ids = new ParamIds(t.db, findParamAliases(definitions, t.index.extractor));
    const plan = (query: string) => {
      const { request } = parseSearchRequest(definitions, 'Observation', new URLSearchParams(query));
      const { page, count } = compileSearch(definitions, ids, request);
      return [page, count].flatMap((q) =>
        (t.db.prepare(`EXPLAIN QUERY PLAN ${q.text}`).all(...q.args) as { detail: string }[]).map((r) => r.detail));
    };
    for (const query of ['combo-code=a', 'combo-code:text=ten', 'combo-value-quantity=gt5', 'combo-code-value-quantity=a$5',
      'combo-code:missing=true&status=final', 'combo-code=a&_sort=combo-value-quantity', 'subject=Patient/p1&combo-code=a']) {
      const details = plan(query);
      expect(details.filter((d) => /^SCAN (r|resources|idx_)/.test(d))).toEqual([]);
      expect(details.some((d) => /USING (COVERING )?INDEX|PRIMARY KEY/.test(d))).toBe(true);
    }
    const ordered = plan(`combo-code=${L}|a`);
    expect(ordered.join('\n')).toContain('MERGE (UNION)');
    expect(ordered.join('\n')).not.toMatch(/TEMP B-TREE|LIST SUBQUERY/);
  });
});

describe('a database written before union parameters were detected', () => {
  it('loses their rows at migration, and searches are right', () => {
    const t = openSearchTestDb(definitions);
    // Rows as they were written before: every code stored, union parameters included.
    const before = new IndexWriter(t.db, new ParamIds(t.db));
    t.db.exec(`INSERT INTO resources (type, id, version, last_updated, deleted, content) VALUES
      ('Observation', 'o1', 1, 0, 0, '{}'), ('Observation', 'o3', 1, 0, 0, '{}')`);
    before.insert(1, 'Observation', encodeRows(t.index.extractor.extract(observations[0])));
    before.insert(2, 'Observation', encodeRows(t.index.extractor.extract(observations[2])));
    const rows = () => (t.db.prepare(`SELECT COUNT(*) AS n FROM idx_token WHERE param_id IN
      (SELECT id FROM idx_param WHERE code LIKE 'combo-%')`).get() as { n: number }).n;
    expect(rows()).toBeGreaterThan(0);
    t.index.migrate(t.db);
    expect(rows()).toBe(0);
    t.index.migrate(t.db);
    expect(t.ids('Observation', 'combo-code=a')).toEqual(['o1', 'o3']);
    expect(t.ids('Observation', 'combo-code-value-quantity=b$5')).toEqual(['o1']);
    expect(t.ids('Observation', 'combo-code:missing=true')).toEqual([]);
    // A new resource is written without them, next to the old ones.
    t.put(observations[1]);
    expect(t.ids('Observation', 'combo-code=b')).toEqual(['o1', 'o2']);
    t.close();
  });
});
