import type { Resource } from '@medplum/fhirtypes';
import type { BundleTestServer } from './bundle-test-helpers';
import { FHIR_JSON } from './bundle-test-helpers';
import { daysAgo, exam, quantity, radionuclide, sites } from './imaging-fixtures';

/** The INS-NIR test OID; the value has a correct check key (standards §1.3 test vector). */
export const TEST_INS = 'urn:oid:1.2.250.1.213.1.4.10';
export const P1_INS = '255081416802538';
/** Site B's IPP domain (fictitious OID). */
export const SITE_B_IPP = 'urn:oid:1.2.250.1.999.1.9';
export const P2_IPP = 'IPP-B-0002';

/**
 * One person known under three identities at two sites: p1 (site A, INS), p2 (site B IPP, link seealso → p1) and p3
 * (link replaced-by → p2, so only reachable transitively and backwards from p1); plus a stranger.
 */
export function personResources(): Resource[] {
  return [
    ...sites(),
    { resourceType: 'Patient', id: 'p1', name: [{ family: 'MARTIN' }], identifier: [{ system: TEST_INS, value: P1_INS }] },
    { resourceType: 'Patient', id: 'p2', name: [{ family: 'MARTIN' }], identifier: [{ system: SITE_B_IPP, value: P2_IPP }], link: [{ other: { reference: 'Patient/p1' }, type: 'seealso' }] },
    { resourceType: 'Patient', id: 'p3', name: [{ family: 'MARTIN' }], link: [{ other: { reference: 'Patient/p2' }, type: 'replaced-by' }] },
    { resourceType: 'Patient', id: 'stranger', name: [{ family: 'DURAND' }] },
    ...exam({ id: 's1', patient: 'p1', modality: 'CT', started: daysAgo(60), site: 'a', dose: [quantity('113813', 500, 'mGy.cm'), quantity('113830', 10, 'mGy'), quantity('113839', 7.5, 'mSv')] }),
    ...exam({ id: 's2', patient: 'p2', modality: 'CT', started: daysAgo(180), site: 'b', reportByStudyOnly: true, dose: [quantity('113813', 0.3, 'Gy.cm'), quantity('113839', 4.5, 'mSv')] }),
    ...exam({ id: 's3', patient: 'p2', modality: 'XA', started: daysAgo(730), site: 'b', dose: [quantity('113722', 0.0013639, 'Gy.m2'), quantity('113730', 2, 'min')] }),
    ...exam({ id: 's4', patient: 'p3', modality: 'XA', started: daysAgo(90), site: 'a', dose: [quantity('113726', 1500, 'mGy.cm2'), quantity('113727', 500, 'mGy.cm2')] }),
    ...exam({ id: 's5', patient: 'p1', modality: 'MR', started: daysAgo(30), site: 'a' }),
    ...exam({ id: 's6', patient: 'p1', modality: 'NM', started: daysAgo(1825), site: 'b', noReport: true, dose: [quantity('113507', 0.185, 'GBq'), radionuclide('44588005')] }),
    ...exam({ id: 'x1', patient: 'stranger', modality: 'CT', started: daysAgo(10), site: 'a', dose: [quantity('113813', 999, 'mGy.cm')] }),
  ];
}

export async function seed(server: BundleTestServer, resources: Resource[]): Promise<void> {
  for (const r of resources) {
    const res = await server.http.put(`/fhir/${r.resourceType}/${r.id}`).set('Content-Type', FHIR_JSON).send(JSON.stringify(r));
    if (res.status >= 300) throw new Error(`${r.resourceType}/${r.id}: ${res.status} ${JSON.stringify(res.body).slice(0, 400)}`);
  }
}
