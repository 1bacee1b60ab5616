import type { BundleEntry, Patient, Resource } from '@medplum/fhirtypes';
import { CONCLUSIONS, PROCEDURES, REASONS, type ProcedureKind } from './imaging-catalog';
import { CITIES, STREETS, insForm, personName } from './names';
import { makeNir } from './nir';
import type { Prng } from './prng';
import type { Facility } from './reference-data';

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const LOINC = 'http://loinc.org';
const SNOMED = 'http://snomed.info/sct';
const UCUM = 'http://unitsofmeasure.org';
const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
const FR_0203 = 'https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203';
const CCAM = 'https://smt.esante.gouv.fr/terminologie-ccam';

const FIRST_VISIT = new Date('2019-01-01T00:00:00Z');
const LAST_VISIT = new Date('2025-12-31T00:00:00Z');

export interface RecordOptions {
  /** Encounters (imaging visits) per patient, inclusive range. */
  encounters: [number, number];
  /** Make the Patient entry a conditional create on its INS (If-None-Exist). */
  conditionalPatient: boolean;
}

/**
 * The transaction entries of one patient's imaging record: the Patient (INS + one IPP per facility
 * visited), and per visit an Encounter, the imaging order, the study with its series and instances, the
 * report, a few clinical Observations and, for CT, a radiation dose summary Observation.
 */
export function patientRecordEntries(prng: Prng, facilities: Facility[], options: RecordOptions): BundleEntry[] {
  const entries: BundleEntry[] = [];
  const add = (resource: Resource, extra: Partial<BundleEntry> = {}): string => {
    const fullUrl = `urn:uuid:${prng.uuid()}`;
    entries.push({ fullUrl, resource, request: { method: 'POST', url: resource.resourceType }, ...extra });
    return fullUrl;
  };

  const sex = prng.chance(0.5) ? 'male' : 'female';
  const birthDate = `${prng.int(1935, 2020)}-${String(prng.int(1, 12)).padStart(2, '0')}-${String(prng.int(1, 28)).padStart(2, '0')}`;
  const { nir, birthPlace } = makeNir(prng, sex, birthDate);
  const name = personName(prng, sex);
  const visits = prng.int(options.encounters[0], options.encounters[1]);
  const visited = Array.from({ length: visits }, () => prng.pick(facilities));
  const home = prng.pick(CITIES);

  const patient: Patient = {
    resourceType: 'Patient',
    extension: [
      {
        url: 'https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-identity-reliability',
        extension: [
          { url: 'identityStatus', valueCoding: { system: 'https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-identity-status', code: 'QUAL' } },
          { url: 'validationMode', valueCoding: { system: 'https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-mode-validation-identity', code: prng.pick(['CN', 'PA', 'AV']) } },
        ],
      },
      {
        url: 'http://hl7.org/fhir/StructureDefinition/patient-birthPlace',
        valueAddress: {
          extension: [
            {
              url: 'https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-address-insee-code',
              valueCoding: { system: 'https://mos.esante.gouv.fr/NOS/TRE_R13-CommuneOM/FHIR/TRE-R13-CommuneOM', code: birthPlace },
            },
          ],
        },
      },
    ],
    identifier: [
      {
        use: 'official',
        type: { coding: [{ system: FR_0203, code: 'INS-NIR' }] },
        system: 'urn:oid:1.2.250.1.213.1.4.8',
        value: nir,
      },
      ...[...new Set(visited)].map((f) => ({
        use: 'usual' as const,
        type: { coding: [{ system: V2_0203, code: 'PI' }] },
        system: f.ippSystem,
        value: `${prng.int(1, 9)}${prng.digits(8)}`,
        assigner: { reference: `Organization/${f.organization.id}` },
      })),
    ],
    name: [
      {
        use: 'official',
        family: insForm(name.family),
        given: [insForm(name.given[0])],
        extension: [
          { url: 'https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-patient-birth-list-given-name', valueString: insForm(name.given.join(' ')) },
        ],
      },
      { use: 'usual', family: name.usedFamily ?? name.family, given: [name.given[0]] },
    ],
    gender: sex,
    birthDate,
    telecom: [{ system: 'phone', value: `06 ${prng.digits(2)} ${prng.digits(2)} ${prng.digits(2)} ${prng.digits(2)}`, use: 'mobile' }],
    address: [{ use: 'home', line: [`${prng.int(1, 180)} ${prng.pick(STREETS)}`], city: home.city, postalCode: home.postalCode, country: 'FR' }],
    managingOrganization: { reference: `Organization/${visited[0].organization.id}` },
  };
  const patientRef = add(
    patient,
    options.conditionalPatient
      ? { request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=urn:oid:1.2.250.1.213.1.4.8|${nir}` } }
      : {},
  );

  for (const facility of visited) addVisit(prng, facility, patientRef, add);
  return entries;
}

type Add = (resource: Resource, extra?: Partial<BundleEntry>) => string;

function addVisit(prng: Prng, facility: Facility, patientRef: string, add: Add): void {
  const kind: ProcedureKind = prng.pick(PROCEDURES);
  const start = prng.dateTimeBetween(FIRST_VISIT, LAST_VISIT);
  const end = new Date(Date.parse(start) + prng.int(20, 180) * 60_000).toISOString().replace(/\.\d{3}Z$/, '+00:00');
  const radiologist = facility.practitioners[0];
  const referrer = prng.pick(facility.practitioners);
  const subject = { reference: patientRef };
  const accession = { type: { coding: [{ system: V2_0203, code: 'ACSN' }] }, system: facility.accessionSystem, value: `A${prng.digits(9)}` };
  const procedureCode = { coding: [{ system: CCAM, code: kind.ccam, display: kind.label }], text: kind.label };

  const encounter = add({
    resourceType: 'Encounter',
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB', display: 'ambulatory' },
    subject,
    period: { start, end },
    serviceProvider: { reference: `Organization/${facility.organization.id}` },
  });

  const order = add({
    resourceType: 'ServiceRequest',
    identifier: [accession],
    status: 'completed',
    intent: 'order',
    category: [{ coding: [{ system: SNOMED, code: '363679005', display: 'Imaging' }] }],
    code: procedureCode,
    subject,
    encounter: { reference: encounter },
    authoredOn: start,
    requester: { reference: `Practitioner/${referrer.id}` },
    performer: [{ reference: `Organization/${facility.organization.id}` }],
    reasonCode: [{ text: prng.pick(REASONS) }],
  });

  const studyUid = prng.dicomUid();
  const seriesCount = prng.int(kind.series[0], kind.series[1]);
  const series = Array.from({ length: seriesCount }, (_, s) => {
    const instances = prng.int(kind.instancesPerSeries[0], kind.instancesPerSeries[1]);
    return {
      uid: prng.dicomUid(),
      number: s + 1,
      modality: { system: DCM, code: kind.modality },
      description: `${kind.label} – série ${s + 1}`,
      numberOfInstances: instances,
      bodySite: { system: SNOMED, code: kind.bodySite.code, display: kind.bodySite.display },
      started: start,
      instance: Array.from({ length: instances }, (_, i) => ({
        uid: prng.dicomUid(),
        sopClass: { system: 'urn:ietf:rfc:3986', code: `urn:oid:${kind.sopClass}` },
        number: i + 1,
      })),
    };
  });
  const study = add({
    resourceType: 'ImagingStudy',
    identifier: [{ use: 'official', system: 'urn:dicom:uid', value: `urn:oid:${studyUid}` }, accession],
    status: 'available',
    modality: [{ system: DCM, code: kind.modality }],
    subject,
    encounter: { reference: encounter },
    started: start,
    basedOn: [{ reference: order }],
    referrer: { reference: `Practitioner/${referrer.id}` },
    interpreter: [{ reference: `Practitioner/${radiologist.id}` }],
    endpoint: [{ reference: `Endpoint/${facility.endpoint.id}` }],
    numberOfSeries: seriesCount,
    numberOfInstances: series.reduce((n, s) => n + s.numberOfInstances, 0),
    procedureCode: [procedureCode],
    description: kind.label,
    series,
  });

  add({
    resourceType: 'DiagnosticReport',
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'RAD', display: 'Radiology' }] }],
    code: { coding: [{ system: LOINC, code: '18748-4', display: 'Diagnostic imaging study' }], text: `Compte rendu – ${kind.label}` },
    basedOn: [{ reference: order }],
    subject,
    encounter: { reference: encounter },
    effectiveDateTime: start,
    issued: end.replace('+00:00', '.000+00:00'),
    performer: [{ reference: `Organization/${facility.organization.id}` }],
    resultsInterpreter: [{ reference: `Practitioner/${radiologist.id}` }],
    imagingStudy: [{ reference: study }],
    conclusion: prng.pick(CONCLUSIONS),
  });

  add({
    resourceType: 'Observation',
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
    code: { coding: [{ system: LOINC, code: '29463-7', display: 'Body weight' }] },
    subject,
    encounter: { reference: encounter },
    effectiveDateTime: start,
    valueQuantity: { value: prng.int(450, 1100) / 10, unit: 'kg', system: UCUM, code: 'kg' },
  });

  if (kind.ctDose) {
    add({
      resourceType: 'Observation',
      status: 'final',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }],
      code: { coding: [{ system: LOINC, code: '14682-9', display: 'Creatinine [Moles/volume] in Serum or Plasma' }] },
      subject,
      encounter: { reference: encounter },
      effectiveDateTime: start,
      valueQuantity: { value: prng.int(45, 130), unit: 'µmol/L', system: UCUM, code: 'umol/L' },
    });
    const dlp = prng.int(kind.ctDose.dlp[0] * 10, kind.ctDose.dlp[1] * 10) / 10;
    const ctdiVol = prng.int(kind.ctDose.ctdiVol[0] * 10, kind.ctDose.ctdiVol[1] * 10) / 10;
    add({
      resourceType: 'Observation',
      identifier: [{ system: 'urn:dicom:uid', value: `urn:oid:${prng.dicomUid()}` }],
      basedOn: [{ reference: order }],
      partOf: [{ reference: study }],
      status: 'final',
      code: { coding: [{ system: LOINC, code: '73569-6', display: 'Radiation exposure and protection information' }] },
      subject,
      focus: [{ reference: study }],
      encounter: { reference: encounter },
      effectiveDateTime: start,
      performer: [{ reference: `Practitioner/${radiologist.id}` }],
      valueString: `PDL total ${dlp} mGy.cm ; IDSV moyen ${ctdiVol} mGy`,
      component: [
        { code: { coding: [{ system: DCM, code: '121058', display: 'Procedure reported' }] }, valueCodeableConcept: { coding: [{ system: SNOMED, code: '77477000', display: 'Computerized axial tomography' }] } },
        { code: { coding: [{ system: DCM, code: '113813', display: 'CT Dose Length Product Total' }] }, valueQuantity: { value: dlp, unit: 'mGy.cm', system: UCUM, code: 'mGy.cm' } },
        { code: { coding: [{ system: DCM, code: '113830', display: 'Mean CTDIvol' }] }, valueQuantity: { value: ctdiVol, unit: 'mGy', system: UCUM, code: 'mGy' } },
      ],
    });
  }
}
