import type { BundleEntry, Observation, Patient, Resource } from '@medplum/fhirtypes';
import { CONCLUSIONS, PROCEDURES, REASONS, type DoseModel, type ProcedureKind } from './imaging-catalog';
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
const INS_NIR = 'urn:oid:1.2.250.1.213.1.4.8';
const DICOM_UID = 'urn:dicom:uid';
/** Visits are spread over the six years before the last visit date. */
const HISTORY_MS = 6 * 365.25 * 24 * 3600 * 1000;

export interface RecordOptions {
  /** Encounters (imaging visits) per patient, inclusive range. */
  encounters: [number, number];
  /**
   * Make every entry a conditional create (If-None-Exist): the Patient on its INS, the order and the study
   * on the accession number, the others on their own identifier, so that importing twice adds nothing.
   */
  conditional: boolean;
  /** The last possible visit date (default today, 00:00 UTC). */
  until?: Date;
  /** The patient's rank in the data set: its NIR, IPPs and accession numbers derive from it, hence unique. */
  serial?: number;
}

/**
 * The transaction entries of one patient's imaging record: the Patient (INS + one IPP per facility
 * visited), and per visit an Encounter, the imaging order, the study with its series and instances, the
 * report, a few clinical Observations and, for CT, a radiation dose summary Observation.
 */
export function patientRecordEntries(prng: Prng, facilities: Facility[], options: RecordOptions): BundleEntry[] {
  const entries: BundleEntry[] = [];
  const add: Add = (resource, match) => {
    const fullUrl = `urn:uuid:${prng.uuid()}`;
    const request = { method: 'POST' as const, url: resource.resourceType, ...(options.conditional && match ? { ifNoneExist: `identifier=${match.system}|${match.value}` } : {}) };
    entries.push({ fullUrl, resource, request });
    return fullUrl;
  };
  const serial = options.serial ?? prng.int(0, 999 * 6000);
  const until = options.until ?? startOfTodayUtc();

  const sex = prng.chance(0.5) ? 'male' : 'female';
  const birthDate = `${prng.int(1935, 2020)}-${String(prng.int(1, 12)).padStart(2, '0')}-${String(prng.int(1, 28)).padStart(2, '0')}`;
  const { nir, birthPlace } = makeNir(sex, birthDate, serial);
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
        system: INS_NIR,
        value: nir,
      },
      ...[...new Set(visited)].map((f) => ({
        use: 'usual' as const,
        type: { coding: [{ system: V2_0203, code: 'PI' }] },
        system: f.ippSystem,
        value: `${prng.int(1, 9)}${String(serial).padStart(8, '0')}`,
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
  const patientRef = add(patient, { system: INS_NIR, value: nir });

  const tag = prng.digits(3);
  visited.forEach((facility, v) => addVisit(prng, facility, patientRef, add, { until, visitNumber: `${tag}${String(serial).padStart(7, '0')}${String(v).padStart(2, '0')}` }));
  return entries;
}

/** Today at 00:00 UTC: the default last visit date, stable across a day so that a seed gives the same data. */
export function startOfTodayUtc(): Date {
  return new Date(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);
}

/** Adds an entry; `match` is the identifier its conditional create (If-None-Exist) looks for. */
type Add = (resource: Resource, match?: { system: string; value: string }) => string;

function addVisit(prng: Prng, facility: Facility, patientRef: string, add: Add, visit: { until: Date; visitNumber: string }): void {
  const kind: ProcedureKind = prng.pick(PROCEDURES);
  const start = prng.dateTimeBetween(new Date(visit.until.getTime() - HISTORY_MS), visit.until);
  const end = new Date(Date.parse(start) + prng.int(20, 180) * 60_000).toISOString().replace(/\.\d{3}Z$/, '+00:00');
  const radiologist = facility.practitioners[0];
  const referrer = prng.pick(facility.practitioners);
  const subject = { reference: patientRef };
  const accession = { type: { coding: [{ system: V2_0203, code: 'ACSN' }] }, system: facility.accessionSystem, value: `A${visit.visitNumber}` };
  const procedureCode = kind.ccam ? { coding: [{ system: CCAM, code: kind.ccam, display: kind.label }], text: kind.label } : { text: kind.label };
  const visitId = { system: facility.visitSystem, value: `V${visit.visitNumber}` };
  const observationId = (what: string) => ({ system: facility.observationSystem, value: `O${visit.visitNumber}-${what}` });
  const organization = { reference: `Organization/${facility.organization.id}` };

  const encounter = add({
    resourceType: 'Encounter',
    identifier: [visitId],
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB', display: 'ambulatory' },
    subject,
    period: { start, end },
    serviceProvider: organization,
  }, visitId);

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
    performer: [organization],
    reasonCode: [{ text: prng.pick(REASONS) }],
  }, accession);

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
      performer: [{ function: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'PRF', display: 'performer' }] }, actor: organization }],
      instance: Array.from({ length: instances }, (_, i) => ({
        uid: prng.dicomUid(),
        sopClass: { system: 'urn:ietf:rfc:3986', code: `urn:oid:${kind.sopClass}` },
        number: i + 1,
      })),
    };
  });
  const study = add({
    resourceType: 'ImagingStudy',
    identifier: [{ use: 'official', system: DICOM_UID, value: `urn:oid:${studyUid}` }, accession],
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
  }, accession);

  const conclusion = prng.pick(CONCLUSIONS);
  const issued = end.replace('+00:00', '.000+00:00');
  const reportId = { system: facility.reportSystem, value: `R${visit.visitNumber}` };
  add({
    resourceType: 'DiagnosticReport',
    identifier: [reportId],
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'RAD', display: 'Radiology' }] }],
    code: { coding: [{ system: LOINC, code: '18748-4', display: 'Diagnostic imaging study' }], text: `Compte rendu – ${kind.label}` },
    basedOn: [{ reference: order }],
    subject,
    encounter: { reference: encounter },
    effectiveDateTime: start,
    issued,
    performer: [organization],
    resultsInterpreter: [{ reference: `Practitioner/${radiologist.id}` }],
    imagingStudy: [{ reference: study }],
    conclusion,
    presentedForm: [{ contentType: 'text/html', language: 'fr-FR', title: `Compte rendu – ${kind.label}`, creation: issued, data: reportHtml(kind, facility, conclusion) }],
  }, reportId);

  add({
    resourceType: 'Observation',
    identifier: [observationId('weight')],
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
    code: { coding: [{ system: LOINC, code: '29463-7', display: 'Body weight' }] },
    subject,
    encounter: { reference: encounter },
    effectiveDateTime: start,
    valueQuantity: { value: prng.int(450, 1100) / 10, unit: 'kg', system: UCUM, code: 'kg' },
  }, observationId('weight'));

  if (kind.modality === 'CT') {
    add({
      resourceType: 'Observation',
      identifier: [observationId('creatinine')],
      status: 'final',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }],
      code: { coding: [{ system: LOINC, code: '14682-9', display: 'Creatinine [Moles/volume] in Serum or Plasma' }] },
      subject,
      encounter: { reference: encounter },
      effectiveDateTime: start,
      valueQuantity: { value: prng.int(45, 130), unit: 'µmol/L', system: UCUM, code: 'umol/L' },
    }, observationId('creatinine'));
  }
  if (kind.dose) {
    const doseUid = { system: DICOM_UID, value: `urn:oid:${prng.dicomUid()}` };
    const { text, components } = doseComponents(prng, kind.dose);
    add({
      resourceType: 'Observation',
      identifier: [doseUid],
      basedOn: [{ reference: order }],
      partOf: [{ reference: study }],
      status: 'final',
      code: { coding: [{ system: LOINC, code: '73569-6', display: 'Radiation exposure and protection information' }] },
      subject,
      focus: [{ reference: study }],
      encounter: { reference: encounter },
      effectiveDateTime: start,
      performer: [{ reference: `Practitioner/${radiologist.id}` }],
      valueString: text,
      component: components,
    }, doseUid);
  }
}

/** The dose quantities of one exam, drawn within the procedure's ranges, and the French summary text. */
function doseComponents(prng: Prng, dose: DoseModel): { text: string; components: NonNullable<Observation['component']> } {
  const draw = ([min, max]: [number, number]) => prng.int(min * 10, max * 10) / 10;
  const components: NonNullable<Observation['component']> = [
    { code: { coding: [{ system: DCM, code: '121058', display: 'Procedure reported' }] }, valueCodeableConcept: { coding: [dose.procedure] } },
  ];
  const parts: string[] = [];
  const quantity = (code: string, display: string, value: number, unit: string, label: string) => {
    components.push({ code: { coding: [{ system: DCM, code, display }] }, valueQuantity: { value, unit, system: UCUM, code: unit } });
    parts.push(`${label} ${value} ${unit}`);
  };
  if (dose.dlp) quantity('113813', 'CT Dose Length Product Total', draw(dose.dlp), 'mGy.cm', 'PDL total');
  if (dose.ctdiVol) quantity('113830', 'Mean CTDIvol', draw(dose.ctdiVol), 'mGy', 'IDSV moyen');
  if (dose.dap) quantity('113722', 'Dose Area Product Total', draw(dose.dap), 'mGy.cm2', 'PDS total');
  if (dose.agd) quantity('111637', 'Accumulated Average Glandular Dose', draw(dose.agd), 'mGy', 'DMG');
  return { text: parts.join(' ; '), components };
}

/** The report as a small HTML page (base64), as the Lucarne report profile wants a presentedForm. */
function reportHtml(kind: ProcedureKind, facility: Facility, conclusion: string): string {
  const escape = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const html =
    `<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Compte rendu</title></head><body>` +
    `<h1>${escape(kind.label)}</h1><p>${escape(facility.organization.name ?? '')}</p>` +
    `<h2>Conclusion</h2><p>${escape(conclusion)}</p></body></html>`;
  return Buffer.from(html, 'utf8').toString('base64');
}
