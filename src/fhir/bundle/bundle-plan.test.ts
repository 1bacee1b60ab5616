import type { BundleEntry } from '@medplum/fhirtypes';
import { FhirError } from '../../kernel/errors';
import { planBundle, splitEntryUrl, transactionOrder } from './bundle-plan';
import { rewriteEntryQuery, rewriteEntryReferences } from './reference-rewrite';

const BASE = 'http://127.0.0.1:8080/fhir';
const tx = (...entry: BundleEntry[]) => ({ resourceType: 'Bundle', type: 'transaction', entry });

function error(fn: () => unknown): FhirError {
  try {
    fn();
  } catch (e) {
    return e as FhirError;
  }
  throw new Error('expected a FhirError');
}

describe('planBundle', () => {
  it('orders a transaction DELETE, POST, PUT/PATCH, GET/HEAD, stable within a group', () => {
    const plan = planBundle(
      tx(
        { request: { method: 'GET', url: 'Patient/1' } },
        { resource: { resourceType: 'Patient' }, request: { method: 'PUT', url: 'Patient/2' } },
        { resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } },
        { request: { method: 'DELETE', url: 'Patient/3' } },
        { resource: { resourceType: 'Parameters' }, request: { method: 'PATCH', url: 'Patient/4' } },
        { request: { method: 'HEAD', url: 'Patient/5' } },
        { resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } },
      ),
      BASE,
    );
    expect(transactionOrder(plan.entries).map((e) => e.index)).toEqual([3, 2, 6, 1, 4, 0, 5]);
  });

  it('strips our base from absolute URLs and refuses other servers and dot segments', () => {
    expect(splitEntryUrl(`${BASE}/Patient/1?x=y`, BASE, 0)).toEqual({ path: 'Patient/1', query: new URLSearchParams('x=y') });
    expect(splitEntryUrl('/Patient?identifier=a|b', BASE, 0).query.get('identifier')).toBe('a|b');
    expect(error(() => splitEntryUrl('http://other/fhir/Patient', BASE, 2)).issues[0].expression).toEqual(['Bundle.entry[2]']);
    expect(error(() => splitEntryUrl('Patient/../metadata', BASE, 0)).status).toBe(400);
  });

  it('decodes JSON Patch Binaries, bounding their nesting', () => {
    const data = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64');
    const ok = planBundle(tx({ resource: { resourceType: 'Binary', contentType: 'application/json-patch+json', data: data([{ op: 'remove', path: '/a' }]) }, request: { method: 'PATCH', url: 'Patient/1' } }), BASE);
    expect(ok.entries[0].body).toEqual([{ op: 'remove', path: '/a' }]);
    expect(ok.entries[0].headers['content-type']).toBe('application/json-patch+json');
    let deep: unknown = 1;
    for (let i = 0; i < 500; i++) deep = [deep];
    const bad = { resource: { resourceType: 'Binary', contentType: 'application/json-patch+json', data: data(deep) }, request: { method: 'PATCH', url: 'Patient/1' } } as BundleEntry;
    expect(error(() => planBundle(tx(bad), BASE)).status).toBe(400);
  });

  it('keeps envelope errors of a batch per entry', () => {
    const plan = planBundle({ resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'POST', url: 'Patient' } }, { request: { method: 'GET', url: 'Patient' } }] }, BASE);
    expect([...plan.rejected.keys()]).toEqual([0]);
    expect(plan.entries[1].path).toBe('Patient');
  });
});

describe('reference rewriting', () => {
  it('rewrites references, uri values, narrative links and query values; refuses unknown urn:uuid references', () => {
    const ids = new Map([['urn:uuid:a', 'Patient/1']]);
    const plan = planBundle(
      tx({
        resource: {
          resourceType: 'Observation',
          subject: { reference: 'urn:uuid:a' },
          derivedFrom: [{ reference: 'urn:uuid:a' }],
          text: { status: 'generated', div: '<div><a href="urn:uuid:a">x</a><img src="urn:uuid:other"/></div>' },
          focus: [{ reference: 'Patient/urn:uuid:a' }],
        } as never,
        request: { method: 'PUT', url: 'Observation?subject=urn:uuid:a' },
      }),
      BASE,
    );
    const entry = plan.entries[0];
    rewriteEntryReferences(entry, ids);
    rewriteEntryQuery(entry, ids);
    const r = entry.resource as any;
    expect(r.subject.reference).toBe('Patient/1');
    expect(r.derivedFrom[0].reference).toBe('Patient/1');
    expect(r.text.div).toBe('<div><a href="Patient/1">x</a><img src="urn:uuid:other"/></div>');
    expect(r.focus[0].reference).toBe('Patient/urn:uuid:a');
    expect(entry.query.get('subject')).toBe('Patient/1');
    r.subject.reference = 'urn:uuid:missing';
    expect(error(() => rewriteEntryReferences(entry, ids)).issues[0].expression).toEqual(['Bundle.entry[0].resource.subject.reference']);
  });
});
