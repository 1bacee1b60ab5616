import type { Resource } from '@medplum/fhirtypes';
import { CONFORMANCE_FOLDERS, readConformanceFolders } from '../../src/config/conformance-folders';
import { loadDefinitions, type Definitions } from '../../src/fhir/conformance/definitions';
import { TerminologyService } from '../../src/fhir/terminology/terminology-service';
import { createValidator } from '../../src/fhir/validation/create-validator';
import type { Validator } from '../../src/fhir/validation/validator';

// Tests mutate these freely, so they are loosely typed.
export type Json = Record<string, any>;

export const P = 'https://lucarne.example/fhir/StructureDefinition/';

/** The validator as the server builds it: R4 plus profiles/, ig/ and terminology/ from the repository. */
export function repositoryValidator(): Validator {
  const { resources } = readConformanceFolders(CONFORMANCE_FOLDERS, `${__dirname}/../..`);
  const definitions = loadDefinitions({ extra: resources });
  return createValidator(definitions, { terminology: new TerminologyService(definitions, resources) });
}

/** R4 plus profiles/, ig/ and terminology/ from the repository, as the server loads them. */
export function repositoryDefinitions(): Definitions {
  const { resources } = readConformanceFolders(CONFORMANCE_FOLDERS, `${__dirname}/../..`);
  return loadDefinitions({ extra: resources });
}

const RELIABILITY = 'https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-identity-reliability';

/** Valid resources, one per Lucarne profile (tests change one thing at a time). */
export function validPatient(status = 'QUAL'): Json {
  return {
    resourceType: 'Patient',
    meta: { profile: [`${P}lucarne-patient`] },
    extension: [
      {
        url: RELIABILITY,
        extension: [
          { url: 'identityStatus', valueCoding: { system: 'https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-identity-status', code: status } },
          { url: 'methodCollection', valueCoding: { system: 'https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-method-collection', code: 'CV' } },
        ],
      },
      {
        url: 'http://hl7.org/fhir/StructureDefinition/patient-birthPlace',
        valueAddress: {
          extension: [
            {
              url: 'https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-address-insee-code',
              valueCoding: { system: 'https://mos.esante.gouv.fr/NOS/TRE_R13-CommuneOM/FHIR/TRE-R13-CommuneOM', code: '33063' },
            },
          ],
        },
      },
    ],
    identifier: [
      {
        use: 'official',
        type: { coding: [{ system: 'https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203', code: 'INS-NIR' }] },
        system: 'urn:oid:1.2.250.1.213.1.4.8',
        value: '255081416802538',
      },
      {
        use: 'usual',
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'PI' }] },
        system: 'urn:oid:1.2.250.1.71.4.2.7.330781234',
        value: 'IPP123',
        assigner: { identifier: { system: 'http://finess.sante.gouv.fr', value: '330781234' } },
      },
    ],
    name: [
      {
        use: 'official',
        family: 'DUPONT',
        given: ['MARIE'],
        extension: [{ url: 'https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-patient-birth-list-given-name', valueString: 'MARIE ANNE' }],
      },
      { use: 'usual', family: 'DUPONT-MARTIN' },
    ],
    gender: 'female',
    birthDate: '1955-08-14',
  };
}

const acsn = () => ({ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'ACSN' }] });

export function validOrder(): Json {
  return {
    resourceType: 'ServiceRequest',
    meta: { profile: [`${P}lucarne-imaging-order`] },
    identifier: [{ type: acsn(), system: 'urn:oid:1.2.250.1.999.1.1', value: 'ACC-0001' }],
    status: 'active',
    intent: 'order',
    code: { coding: [{ system: 'https://smt.esante.gouv.fr/terminologie-ccam', code: 'ZBQK002' }] },
    subject: { reference: 'Patient/p1' },
    requester: { reference: 'Practitioner/dr1' },
    reasonCode: [{ text: 'Toux persistante' }],
  };
}

export function validStudy(): Json {
  const dcm = 'http://dicom.nema.org/resources/ontology/DCM';
  return {
    resourceType: 'ImagingStudy',
    meta: { profile: [`${P}lucarne-imaging-study`] },
    identifier: [
      { system: 'urn:dicom:uid', value: 'urn:oid:1.2.250.1.999.2.1' },
      { type: acsn(), system: 'urn:oid:1.2.250.1.999.1.1', value: 'ACC-0001' },
    ],
    status: 'available',
    modality: [{ system: dcm, code: 'CT' }],
    subject: { reference: 'Patient/p1' },
    basedOn: [{ reference: 'ServiceRequest/o1' }],
    started: '2026-03-01T10:00:00+01:00',
    endpoint: [{ reference: 'Endpoint/e1' }],
    series: [
      {
        uid: '1.2.250.1.999.2.1.1',
        modality: { system: dcm, code: 'CT' },
        instance: [{ uid: '1.2.250.1.999.2.1.1.1', sopClass: { system: 'urn:ietf:rfc:3986', code: 'urn:oid:1.2.840.10008.5.1.4.1.1.2' } }],
      },
    ],
  };
}

export function validReport(): Json {
  return {
    resourceType: 'DiagnosticReport',
    meta: { profile: [`${P}lucarne-imaging-report`] },
    basedOn: [{ reference: 'ServiceRequest/o1' }],
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '18748-4', display: 'Diagnostic imaging study' }] },
    subject: { reference: 'Patient/p1' },
    issued: '2026-03-01T12:00:00+01:00',
    imagingStudy: [{ reference: 'ImagingStudy/s1' }],
    conclusion: 'Pas d’anomalie.',
    presentedForm: [{ contentType: 'application/pdf', data: 'JVBERi0=' }],
  };
}

function doseComponent(code: string, value: number, unit: string): Json {
  return {
    code: { coding: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code }] },
    valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit },
  };
}

export function validDose(): Json {
  return {
    resourceType: 'Observation',
    meta: { profile: [`${P}lucarne-dose-summary`] },
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '73569-6' }] },
    subject: { reference: 'Patient/p1' },
    partOf: [{ reference: 'ImagingStudy/s1' }],
    focus: [{ reference: 'ImagingStudy/s1' }],
    effectiveDateTime: '2026-03-01T10:00:00+01:00',
    component: [
      doseComponent('113813', 412.5, 'mGy.cm'),
      doseComponent('113830', 9.1, 'mGy'),
      doseComponent('113722', 0.12, 'Gy.m2'),
      doseComponent('113839', 6.2, 'mSv'),
      doseComponent('113730', 35, 's'),
      doseComponent('113507', 180, 'MBq'),
    ],
  };
}

export function validEndpoint(): Json {
  return {
    resourceType: 'Endpoint',
    meta: { profile: [`${P}lucarne-dicomweb-endpoint`] },
    status: 'active',
    connectionType: { system: 'http://terminology.hl7.org/CodeSystem/endpoint-connection-type', code: 'dicom-wado-rs' },
    payloadType: [{ coding: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: '113014' }] }],
    payloadMimeType: ['application/dicom'],
    address: 'https://pacs.chu.example/dicomweb',
  };
}

export function validAudit(): Json {
  const dcm = 'http://dicom.nema.org/resources/ontology/DCM';
  return {
    resourceType: 'AuditEvent',
    meta: { profile: [`${P}lucarne-audit-event`] },
    type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest' },
    subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: 'read' }],
    action: 'R',
    recorded: '2026-03-01T10:00:00+01:00',
    outcome: '0',
    agent: [
      { type: { coding: [{ system: dcm, code: '110152' }] }, who: { identifier: { value: 'viewer-app' } }, requestor: false, network: { address: '127.0.0.1', type: '2' } },
      { type: { coding: [{ system: dcm, code: '110153' }] }, who: { display: 'Lucarne' }, requestor: false },
    ],
    source: { observer: { display: 'Lucarne' } },
    entity: [
      { type: { system: 'https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType', code: 'XrequestId' }, what: { identifier: { value: 'req-1' } } },
      { type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '1' }, role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '1' }, what: { reference: 'Patient/p1' } },
    ],
  };
}

export type { Resource };
