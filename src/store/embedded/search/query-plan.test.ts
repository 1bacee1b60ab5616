import type { Resource } from '@medplum/fhirtypes';
import { loadDefinitions } from '../../../fhir/conformance/definitions';
import { parseSearchRequest } from '../../../fhir/search/parse-search';
import { compileSearch } from './compile-search';
import { includeSql, revincludeSql } from './include-query';
import { ParamIds } from './param-ids';
import { openSearchTestDb } from './search-test-db';

/** The main query shapes must be index searches: no SCAN of an idx_ table or of resources. */
const definitions = loadDefinitions();
const t = openSearchTestDb(definitions);
const ids = new ParamIds(t.db);

beforeAll(() => {
  t.put({ resourceType: 'Patient', id: 'p1', name: [{ family: 'Dupont' }], gender: 'male', managingOrganization: { reference: 'Organization/org1' }, identifier: [{ system: 's', value: 'v' }], birthDate: '1980' } as Resource & { id: string });
  t.put({ resourceType: 'ValueSet', id: 'vs1', status: 'active', url: 'http://a.org/fhir' } as Resource & { id: string });
  t.put({ resourceType: 'Observation', id: 'o2', status: 'final', code: { coding: [{ system: 'l', code: 'c' }] }, valueQuantity: { value: 6, system: 'u', code: 'mm' },
    component: [{ code: { coding: [{ system: 'l', code: 'c' }] }, valueQuantity: { value: 5, system: 'u', code: 'mm' } }] } as Resource & { id: string });
  t.put({ resourceType: 'Organization', id: 'org1', name: 'CHU' } as Resource & { id: string });
  t.put({ resourceType: 'ImagingStudy', id: 's1', status: 'available', subject: { reference: 'Patient/p1' }, started: '2021-01-01' } as Resource & { id: string });
  t.put({ resourceType: 'Provenance', id: 'pv1', target: [{ reference: 'Observation/o1' }], recorded: '2024-01-01T00:00:00Z', agent: [{ who: { reference: 'Organization/o1' } }] } as Resource & { id: string });
  t.put({ resourceType: 'List', id: 'l1', status: 'current', mode: 'working', entry: [{ item: { reference: 'Patient/p1' } }] } as Resource & { id: string });
  t.put({ resourceType: 'Observation', id: 'o1', status: 'final', code: { coding: [{ system: 'l', code: 'c' }] },
    subject: { reference: 'Patient/p1' }, effectiveDateTime: '2024-01-02' } as Resource & { id: string });
});
afterAll(() => t.close());

function plan(type: string, query: string): string[] {
  const { request } = parseSearchRequest(definitions, type, new URLSearchParams(query));
  const { page, count } = compileSearch(definitions, ids, request);
  return [page, count].flatMap((q) =>
    (t.db.prepare(`EXPLAIN QUERY PLAN ${q.text}`).all(...q.args) as { detail: string }[]).map((r) => r.detail),
  );
}

const SHAPES: [string, string][] = [
  ['Patient', 'identifier=urn:oid:1.2.250|123'],
  ['Patient', 'identifier=|123'],
  ['Patient', 'identifier=urn:oid:1.2.250|'],
  ['Observation', 'code=8867-4'],
  ['Patient', 'family=dup'],
  ['Patient', 'name:exact=Dupont'],
  ['Observation', 'subject=Patient/p1'],
  ['Observation', 'patient=p1'],
  ['Observation', 'date=ge2024-01-01&date=lt2024-02-01'],
  ['Observation', 'date=2024-01-02'],
  ['Observation', 'patient=p1&date=gt2023&_sort=-date'],
  ['Observation', 'subject=Patient/p1&code=l|c,l|d&_sort=-_lastUpdated'],
  ['Observation', '_sort=-_lastUpdated'],
  ['Observation', '_lastUpdated=gt2024-01-01'],
  ['Observation', ''],
  ['Patient', '_id=p1,p2'],
  ['Patient', 'family=dup&birthdate:missing=true'],
  ['Patient', 'gender=male&_sort=family'],
  ['ImagingStudy', 'subject.identifier=urn:oid:1.2.250|180'],
  ['Observation', 'subject:Patient.name=dup&date=gt2020'],
  ['Observation', 'patient.organization.name=chu'],
  ['Patient', '_has:Observation:subject:code=l|c'],
  ['Patient', '_has:Observation:subject:_has:Provenance:target:agent=Organization/o1'],
  ['Patient', '_list=l1'],
  ['Observation', 'code-value-quantity=l|c$gt5'],
  ['Observation', 'component-code-value-quantity=c$5|u|mm'],
  ['ValueSet', 'url:above=http://a.org/fhir/ValueSet/x'],
  ['ImagingStudy', 'subject=Patient/p1&started=ge2020-01-01'],
  ['Observation', 'code=l|c&_summary=count'],
  ['Observation', 'subject=Patient/p1&code=c&status:not=final'],
  ['Patient', '_id=p1&gender=male'],
];

describe('EXPLAIN QUERY PLAN', () => {
  it.each(SHAPES)('%s?%s uses indexes only', (type, query) => {
    const details = plan(type, query);
    const scans = details.filter((d) => /^SCAN (r|resources|idx_)/.test(d));
    expect(scans).toEqual([]);
    expect(details.some((d) => /USING (COVERING )?INDEX|PRIMARY KEY/.test(d))).toBe(true);
  });

  it('drives a token search from the token index, not from the type', () => {
    const details = plan('Patient', 'identifier=s|v');
    expect(details).toContain('SEARCH r USING INTEGER PRIMARY KEY (rowid=?)');
    expect(details.some((d) => d.includes('idx_token_code (param_id=? AND code=? AND system=?)'))).toBe(true);
  });

  it('pages a single ordered equality from its index range in rid order, stopping at the page', () => {
    const { request } = parseSearchRequest(definitions, 'Observation', new URLSearchParams('code=l|c'));
    const { page, count } = compileSearch(definitions, ids, request);
    const explain = (q: { text: string; args: unknown[] }) =>
      (t.db.prepare(`EXPLAIN QUERY PLAN ${q.text}`).all(...q.args) as { detail: string }[]).map((r) => r.detail);
    const details = explain(page);
    expect(details[0]).toContain('idx_token_code (param_id=? AND code=? AND system=?)');
    expect(details.join('\n')).not.toMatch(/TEMP B-TREE|LIST SUBQUERY/);
    // the count reads the token index alone
    expect(count.text).not.toContain('resources');
    expect(explain(count).join('\n')).not.toMatch(/TEMP B-TREE/);
  });

  it('probes the non-driving filters per row on their primary key', () => {
    const details = plan('ImagingStudy', 'subject=Patient/p1&started=ge2020-01-01');
    expect(details.some((d) => d.includes('idx_reference_target (param_id=? AND target_id=? AND target_type=?)'))).toBe(true);
    expect(details.some((d) => /SEARCH idx_date (EXISTS )?USING PRIMARY KEY \(rid=\?\)/.test(d))).toBe(true);
    expect(details.some((d) => d.includes('idx_date_'))).toBe(false);
  });

  it('walks a chain from the matching targets to the references pointing at them', () => {
    const details = plan('ImagingStudy', 'subject.identifier=s|v');
    expect(details.some((d) => d.includes('idx_reference_target (param_id=? AND target_id=? AND target_type=?)'))).toBe(true);
    expect(details.some((d) => d.includes('idx_reference_target (param_id=?)'))).toBe(false);
  });

  it('_include and _revinclude are index joins from the page rids', () => {
    const explain = (sql: string, args: unknown[]) =>
      (t.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[]).map((r) => r.detail);
    const inc = explain(includeSql([1, 2], undefined), ['[1]', 1, 2, 10]);
    const rev = explain(revincludeSql([1], 'Patient'), [1, '[1]', 'Patient', 10]);
    for (const details of [inc, rev]) expect(details.filter((d) => /^SCAN (r|t|s|f|resources|idx_)/.test(d))).toEqual([]);
    expect(rev.some((d) => d.includes('idx_reference_target (param_id=? AND target_id=? AND target_type=?)'))).toBe(true);
  });

  it('drives an _id list through (type, id), not through every live resource of the type', () => {
    expect(plan('Patient', '_id=p1,p2,p3')).toContain('SEARCH r USING INDEX sqlite_autoindex_resources_1 (type=? AND id=?)');
  });

  it('with several filters able to drive, drives from the one matching fewest resources', () => {
    // Observation?code=l|c matches o1 and o2; subject=Patient/p1 only o1: the reference must drive, whatever the order.
    const estimate = (rids: { text: string; args: unknown[] }, cap: number) =>
      (t.db.prepare(`SELECT COUNT(*) AS n FROM (${rids.text} LIMIT ?)`).get(...rids.args, cap) as { n: number }).n;
    for (const query of ['code=l|c&subject=Patient/p1', 'subject=Patient/p1&code=l|c']) {
      const { request } = parseSearchRequest(definitions, 'Observation', new URLSearchParams(query));
      const { page } = compileSearch(definitions, ids, request, estimate);
      const details = (t.db.prepare(`EXPLAIN QUERY PLAN ${page.text}`).all(...page.args) as { detail: string }[]).map((r) => r.detail);
      expect(details[0]).toContain('idx_reference_target');
      expect(details.some((d) => /SEARCH idx_token USING PRIMARY KEY \(rid=\?\)/.test(d))).toBe(true);
    }
  });

  it('a keyset page starts at the cursor in the index order', () => {
    const { request } = parseSearchRequest(definitions, 'Observation', new URLSearchParams(''));
    const { page } = compileSearch(definitions, ids, { ...request, cursor: { keys: [5], after: true } });
    const details = (t.db.prepare(`EXPLAIN QUERY PLAN ${page.text}`).all(...page.args) as { detail: string }[]).map((r) => r.detail);
    expect(details.join('\n')).toMatch(/idx_resources_live \(type=\? AND deleted=\? AND rowid>\?\)/);
  });
});
