import type { Bundle, Endpoint, Organization, Practitioner } from '@medplum/fhirtypes';
import { personName } from './names';
import type { Prng } from './prng';

/** A facility of the region: its Organization, its PACS's DICOMweb Endpoint and its IPP domain. */
export interface Facility {
  organization: Organization & { id: string };
  endpoint: Endpoint & { id: string };
  /** System of the patient identifiers (IPP) this facility assigns. */
  ippSystem: string;
  /** System of the accession numbers of its RIS. */
  accessionSystem: string;
  /** Systems of its visit numbers, report numbers and clinical observation numbers (for conditional creates). */
  visitSystem: string;
  reportSystem: string;
  observationSystem: string;
  practitioners: (Practitioner & { id: string })[];
}

const FACILITY_NAMES = [
  'CHU de Bordeaux – Hôpital Pellegrin',
  'Centre hospitalier de Pau',
  'Clinique Saint-Augustin',
  'CH de la Côte Basque',
  'Centre d’imagerie médicale des Landes',
  'CHU de Limoges – Hôpital Dupuytren',
  'Polyclinique Bordeaux Nord Aquitaine',
  'Centre hospitalier d’Agen-Nérac',
] as const;

/** A synthetic OID arc for the generated IPP domains and RIS issuers (not a registered arc: test data only). */
const SYNTHETIC_ARC = '1.2.250.1.999999';

export function makeFacilities(prng: Prng, count: number, practitionersPerFacility: number): Facility[] {
  const facilities: Facility[] = [];
  for (let n = 1; n <= count; n++) {
    const name = FACILITY_NAMES[(n - 1) % FACILITY_NAMES.length] + (n > FACILITY_NAMES.length ? ` (${n})` : '');
    const finess = `33${prng.digits(6)}${n % 10}`;
    const endpoint: Endpoint & { id: string } = {
      resourceType: 'Endpoint',
      id: `pacs-${n}`,
      status: 'active',
      name: `PACS – ${name}`,
      connectionType: { system: 'http://terminology.hl7.org/CodeSystem/endpoint-connection-type', code: 'dicom-wado-rs' },
      payloadType: [{ coding: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: '113014', display: 'Study' }] }],
      payloadMimeType: ['application/dicom', 'application/dicom+json'],
      address: `https://pacs-${n}.imaging.example.invalid/dicom-web`,
      managingOrganization: { reference: `Organization/facility-${n}` },
    };
    const organization: Organization & { id: string } = {
      resourceType: 'Organization',
      id: `facility-${n}`,
      active: true,
      identifier: [
        {
          use: 'official',
          type: { coding: [{ system: 'https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203', code: 'FINEG' }] },
          system: 'http://finess.sante.gouv.fr',
          value: finess,
        },
        { use: 'official', system: 'urn:oid:1.2.250.1.71.4.2.2', value: `1${finess}` },
      ],
      type: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/organization-type', code: 'prov', display: 'Healthcare Provider' }] }],
      name,
      telecom: [{ system: 'phone', value: `05 ${prng.digits(2)} ${prng.digits(2)} ${prng.digits(2)} ${prng.digits(2)}`, use: 'work' }],
      endpoint: [{ reference: `Endpoint/pacs-${n}` }],
    };
    const practitioners: (Practitioner & { id: string })[] = [];
    for (let p = 1; p <= practitionersPerFacility; p++) {
      const gender = prng.chance(0.5) ? 'male' : 'female';
      const name = personName(prng, gender);
      practitioners.push({
        resourceType: 'Practitioner',
        id: `practitioner-${n}-${p}`,
        active: true,
        identifier: [{ use: 'official', system: 'urn:oid:1.2.250.1.71.4.2.1', value: `8100${prng.digits(7)}` }],
        name: [{ use: 'official', family: name.family, given: [name.given[0]], prefix: ['Dr'] }],
        gender,
        qualification: [{ code: { text: p === 1 ? 'Radiologue' : prng.pick(['Radiologue', 'Médecin nucléaire', 'Manipulateur en électroradiologie']) } }],
      });
    }
    facilities.push({
      organization,
      endpoint,
      ippSystem: `urn:oid:${SYNTHETIC_ARC}.${n}.1`,
      accessionSystem: `urn:oid:${SYNTHETIC_ARC}.${n}.2`,
      visitSystem: `urn:oid:${SYNTHETIC_ARC}.${n}.3`,
      reportSystem: `urn:oid:${SYNTHETIC_ARC}.${n}.4`,
      observationSystem: `urn:oid:${SYNTHETIC_ARC}.${n}.5`,
      practitioners,
    });
  }
  return facilities;
}

/** A transaction Bundle that creates (PUT with known ids) the facilities, their endpoints and staff. */
export function referenceDataBundle(facilities: Facility[]): Bundle {
  const resources = facilities.flatMap((f) => [f.endpoint, f.organization, ...f.practitioners]);
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: resources.map((resource) => ({
      resource,
      request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` },
    })),
  };
}
