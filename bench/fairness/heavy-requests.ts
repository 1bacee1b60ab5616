/**
 * The heavy requests of the fairness benchmark: each one a request that a hostile or careless client can
 * send with no special rights, as found by a hostile-input probe of the server. Each must be refused by a
 * limit or completed without stalling other clients' cheap reads.
 */

export interface HeavyRequest {
  name: string;
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface Fixture {
  /** A Patient with one extension and ten names, target of the patch requests. */
  patchTarget: string;
  /** A Patient with thousands of imaging studies. */
  busyPatient: string;
}

const FHIR_JSON = { 'content-type': 'application/fhir+json' };

function parameters(...parameter: object[]): string {
  return JSON.stringify({ resourceType: 'Parameters', parameter });
}

/** A Patient of about `bytes` bytes (many names), for the large-write case. */
function largePatient(bytes: number): string {
  const name = { family: 'Durand-Lefèvre', given: ['Marie-Claire', 'Anne'] };
  const one = JSON.stringify(name).length + 1;
  return JSON.stringify({ resourceType: 'Patient', name: Array.from({ length: Math.ceil(bytes / one) }, () => name) });
}

function transactionOf(entries: number): string {
  const entry = Array.from({ length: entries }, (_, i) => ({
    fullUrl: `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    resource: { resourceType: 'Patient', name: [{ family: `Fairness${i}` }] },
    request: { method: 'POST', url: 'Patient' },
  }));
  return JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry });
}

export function heavyRequests(f: Fixture): HeavyRequest[] {
  const sortKeys = (n: number) => Array.from({ length: n }, () => 'name').join(',');
  const loincRegex = parameters({
    name: 'valueSet',
    resource: {
      resourceType: 'ValueSet',
      status: 'active',
      compose: { include: [{ system: 'http://loinc.org', filter: [{ property: 'display', op: 'regex', value: '(?:.|.){1,26}#' }] }] },
    },
  });
  const manyIncludes = parameters({
    name: 'valueSet',
    resource: {
      resourceType: 'ValueSet',
      status: 'active',
      compose: { include: Array.from({ length: 5000 }, () => ({ system: 'http://loinc.org' })) },
    },
  });
  // Each level walks the ten names again: 10^6 items, from a path of under 200 characters.
  const nested = `Patient.name${'.select(%resource.name'.repeat(5)}.select(given)${')'.repeat(5)}`;
  const nestedSelect = parameters({ name: 'operation', part: [{ name: 'type', valueCode: 'delete' }, { name: 'path', valueString: nested }] });
  return [
    {
      name: 'JSON Patch, 24 doubling copies',
      method: 'PATCH',
      path: `Patient/${f.patchTarget}`,
      headers: { 'content-type': 'application/json-patch+json' },
      body: JSON.stringify(Array.from({ length: 24 }, () => ({ op: 'copy', from: '/extension', path: '/extension/-' }))),
    },
    { name: 'FHIRPath Patch, select nested 6 deep', method: 'PATCH', path: `Patient/${f.patchTarget}`, headers: FHIR_JSON, body: nestedSelect },
    {
      name: 'batch of 200 GET Patient?_count=1000',
      method: 'POST',
      path: '',
      headers: FHIR_JSON,
      body: JSON.stringify({
        resourceType: 'Bundle',
        type: 'batch',
        entry: Array.from({ length: 200 }, () => ({ request: { method: 'GET', url: 'Patient?_count=1000' } })),
      }),
    },
    { name: '_sort with 300 keys', method: 'GET', path: `Patient?_sort=${sortKeys(300)}` },
    {
      name: 'If-None-Exist with 300 sort keys',
      method: 'POST',
      path: 'Patient',
      headers: { ...FHIR_JSON, 'if-none-exist': `name=x&_sort=${sortKeys(300)}` },
      body: JSON.stringify({ resourceType: 'Patient' }),
    },
    { name: 'OR list of 501 names', method: 'GET', path: `Patient?name=${Array.from({ length: 501 }, (_, i) => `n${i}`).join(',')}` },
    { name: 'AND of 991 names', method: 'GET', path: `Patient?${Array.from({ length: 991 }, (_, i) => `name=n${i}`).join('&')}` },
    { name: '$expand, backtracking regex', method: 'POST', path: 'ValueSet/$expand', headers: FHIR_JSON, body: loincRegex },
    { name: '$expand, 5,000 includes', method: 'POST', path: 'ValueSet/$expand', headers: FHIR_JSON, body: manyIncludes },
    { name: 'create of 13 MB', method: 'POST', path: 'Patient', headers: FHIR_JSON, body: largePatient(13 * 1024 * 1024) },
    { name: 'transaction of 50,000 entries', method: 'POST', path: '', headers: FHIR_JSON, body: transactionOf(50_000) },
    { name: '$imaging-record, 3,000 studies', method: 'GET', path: `Patient/${f.busyPatient}/$imaging-record?_count=1000` },
    { name: '$everything, 3,000 studies', method: 'GET', path: `Patient/${f.busyPatient}/$everything` },
  ];
}
