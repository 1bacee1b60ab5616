import { loadDefinitions } from '../conformance/definitions';
import { FhirError } from '../../kernel/errors';
import { parseSearchRequest } from './parse-search';

const definitions = loadDefinitions();
const parse = (type: string, query: string) =>
  parseSearchRequest(definitions, type, new URLSearchParams(query), { baseUrl: 'https://lucarne.example/fhir' });

function error(type: string, query: string): FhirError {
  try {
    parse(type, query);
  } catch (e) {
    if (e instanceof FhirError) return e;
    throw e;
  }
  throw new Error(`no error for ${type}?${query}`);
}

describe('parseSearchRequest', () => {
  it('defaults and result parameters', () => {
    const { request, unknown } = parse('Patient', '_format=json&_pretty=true&_summary=count&_elements=id&_include=Patient:organization&_revinclude=Observation:subject');
    expect(request).toMatchObject({ resourceTypes: ['Patient'], filters: [], sort: [], count: 20, offset: 0, total: 'none' });
    expect(unknown).toEqual([]);
  });

  it('reports unknown parameters without failing', () => {
    expect(parse('Patient', 'foo=1&family=x&bar:exact=2').unknown).toEqual(['foo', 'bar:exact']);
    expect(parse('Patient', 'foo=1').request.filters).toEqual([]);
  });

  it('_count is clamped to 1000, _offset, _total, _sort', () => {
    const { request } = parse('Observation', '_count=5000&_offset=40&_total=accurate&_sort=-date,_id,code');
    expect(request.count).toBe(1000);
    expect(request.offset).toBe(40);
    expect(request.total).toBe('accurate');
    expect(request.sort).toEqual([
      { code: 'date', descending: true }, { code: '_id', descending: false }, { code: 'code', descending: false },
    ]);
    expect(parse('Patient', '_count=0').request.count).toBe(0);
  });

  it('comma is OR, repetition is AND, backslash escapes', () => {
    const { request } = parse('Patient', 'family=Du\\,pont,Martin&family=M&identifier=a\\|b|c');
    expect(request.filters.map((f) => f.values)).toEqual([
      [{ kind: 'string', value: 'du pont' }, { kind: 'string', value: 'martin' }],
      [{ kind: 'string', value: 'm' }],
      [{ kind: 'token', system: 'a|b', code: 'c' }],
    ]);
  });

  it('token forms', () => {
    const values = (q: string) => parse('Patient', q).request.filters[0].values;
    expect(values('identifier=s|c')).toEqual([{ kind: 'token', system: 's', code: 'c' }]);
    expect(values('identifier=|c')).toEqual([{ kind: 'token', system: '', code: 'c' }]);
    expect(values('identifier=s|')).toEqual([{ kind: 'token', system: 's' }]);
    expect(values('identifier=c')).toEqual([{ kind: 'token', code: 'c' }]);
    expect(values('identifier:of-type=ts|MR|42')).toEqual([{ kind: 'token', system: 'ts', code: 'MR|42' }]);
  });

  it('reference forms', () => {
    const values = (q: string) => parse('Observation', q).request.filters[0].values;
    expect(values('subject=Patient/1')).toEqual([{ kind: 'reference', targetType: 'Patient', id: '1' }]);
    expect(values('subject=1')).toEqual([{ kind: 'reference', id: '1' }]);
    expect(values('subject:Patient=1')).toEqual([{ kind: 'reference', targetType: 'Patient', id: '1' }]);
    expect(values('subject=https://lucarne.example/fhir/Patient/1')).toEqual([{ kind: 'reference', targetType: 'Patient', id: '1' }]);
    expect(values('subject=http://x.org/fhir/Patient/1')).toEqual([{ kind: 'reference', url: 'http://x.org/fhir/Patient/1' }]);
    expect(values('subject=Patient/1/_history/3')).toEqual([{ kind: 'reference', targetType: 'Patient', id: '1' }]);
    expect(parse('PlanDefinition', 'derived-from=http://x.org/PlanDefinition/a|2').request.filters[0].values).toEqual([
      { kind: 'reference', url: 'http://x.org/PlanDefinition/a', version: '2' },
    ]);
    expect(values('subject:identifier=urn:oid:1|2')).toEqual([{ kind: 'token', system: 'urn:oid:1', code: '2' }]);
  });

  it('date prefixes and precision', () => {
    const [v] = parse('Patient', 'birthdate=ge2024-03').request.filters[0].values;
    expect(v).toEqual({ kind: 'date', prefix: 'ge', low: Date.parse('2024-03-01T00:00:00Z'), high: Date.parse('2024-04-01T00:00:00Z') - 1 });
    const [z] = parse('Observation', 'date=2024-03-05T10:00:00%2B02:00').request.filters[0].values;
    expect(z).toMatchObject({ prefix: 'eq', low: Date.parse('2024-03-05T08:00:00Z') });
  });

  it('system level: _type or every type', () => {
    expect(parseSearchRequest(definitions, undefined, new URLSearchParams('_type=Patient,Observation')).request.resourceTypes)
      .toEqual(['Patient', 'Observation']);
    expect(parseSearchRequest(definitions, undefined, new URLSearchParams('')).request.resourceTypes.length).toBeGreaterThan(140);
  });

  it.each([
    ['Patient', 'birthdate=2024-13-01', 'birthdate'],
    ['Patient', 'birthdate=xx2024', 'birthdate'],
    ['Patient', 'birthdate=2024-02-30', 'birthdate'],
    ['Patient', 'birthdate=yesterday', 'birthdate'],
    ['Observation', 'date=2024-01-01T25:00:00Z', 'date'],
    ['Patient', '_lastUpdated=gt2024-99', '_lastUpdated'],
    ['Patient', 'family:fuzzy=x', 'family:fuzzy'],
    ['Patient', 'gender:exact=x', 'gender:exact'],
    ['Patient', 'birthdate:exact=2024', 'birthdate:exact'],
    ['Patient', 'family:missing=maybe', 'family:missing'],
    ['Patient', 'identifier=a|b|c', 'identifier'],
    ['Patient', 'identifier:of-type=a|b', 'identifier:of-type'],
    ['Observation', 'subject=Patient/', 'subject'],
    ['Observation', 'subject=Nonsense/1', 'subject'],
    ['Observation', 'subject=bad id!', 'subject'],
    ['Observation', 'subject:Patient=Group/1', 'subject:Patient'],
    ['Observation', 'patient=Group/1', 'patient'],
    ['Observation', 'patient:Group=1', 'patient:Group'],
    ['Observation', 'value-quantity=abc', 'value-quantity'],
    ['Observation', 'value-quantity=5|mg', 'value-quantity'],
    ['Patient', '_count=-1', '_count'],
    ['Patient', '_count=ten', '_count'],
    ['Patient', '_offset=1.5', '_offset'],
    ['Patient', '_total=some', '_total'],
    ['Patient', '_sort=nonsense', '_sort'],
    ['Patient', '_id:exact=1', '_id:exact'],
  ])('%s?%s is a 400 naming %s', (type, query, name) => {
    const e = error(type, query);
    expect(e.status).toBe(400);
    expect(e.issues[0].expression).toEqual([name]);
    expect(e.message).toContain(name.split(':')[0]);
  });
});
