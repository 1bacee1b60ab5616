import type { Resource } from '@medplum/fhirtypes';

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const UCUM = 'http://unitsofmeasure.org';
const SNOMED = 'http://snomed.info/sct';
export const CCAM = 'https://smt.esante.gouv.fr/terminologie-ccam';

/** A CCAM act that fits each modality (from terminology/codesystem-ccam-imaging.json), when a spec names none. */
const DEFAULT_ACT: Record<string, string> = { CT: 'ECQH010', MR: 'ACQJ002', DX: 'ZBQK002', CR: 'ZBQK002', US: 'ZCQM004', PT: 'ZZQL016' };
const DAY = 86_400_000;

/** An ISO instant `days` before now (the operations' 12-month window runs on the server clock). */
export const daysAgo = (days: number) => new Date(Date.now() - days * DAY).toISOString();

export const quantity = (code: string, value: number, unit: string) => ({
  code: { coding: [{ system: DCM, code }] },
  valueQuantity: { value, unit, system: UCUM, code: unit },
});

export interface ExamSpec {
  id: string;
  patient: string;
  modality: string;
  started: string;
  site: 'a' | 'b';
  ccam?: string;
  /** Dose components; no dose Observation when absent. */
  dose?: object[];
  /** Link the report by DiagnosticReport.imagingStudy only (no basedOn). */
  reportByStudyOnly?: boolean;
  /** Omit the report. */
  noReport?: boolean;
  /** Omit the order (nothing is basedOn it). */
  noOrder?: boolean;
  /** The act code on the order only, none on the study (ImagingStudy.procedureCode otherwise = `ccam` when given). */
  orderOnlyCode?: boolean;
}

/** One exam: the order, the study (with endpoint and performer), the report and the dose summary. */
export function exam(spec: ExamSpec): Resource[] {
  const subject = { reference: `Patient/${spec.patient}` };
  const org = { reference: `Organization/site-${spec.site}` };
  const basedOn = spec.noOrder ? {} : { basedOn: [{ reference: `ServiceRequest/sr-${spec.id}` }] };
  const out: Resource[] = [
    ...(spec.noOrder ? [] : [{
      resourceType: 'ServiceRequest', id: `sr-${spec.id}`, status: 'completed', intent: 'order', subject,
      code: { coding: [{ system: CCAM, code: spec.ccam ?? DEFAULT_ACT[spec.modality] ?? 'ZBQK002' }] }, performer: [org], authoredOn: spec.started,
    } as Resource]),
    {
      resourceType: 'ImagingStudy', id: spec.id, status: 'available', subject, started: spec.started,
      modality: [{ system: DCM, code: spec.modality }],
      ...basedOn,
      ...(spec.ccam && !spec.orderOnlyCode ? { procedureCode: [{ coding: [{ system: CCAM, code: spec.ccam }] }] } : {}),
      endpoint: [{ reference: `Endpoint/pacs-${spec.site}` }],
      series: [{ uid: `1.2.3.${spec.id.length}`, modality: { system: DCM, code: spec.modality }, performer: [{ actor: org }] }],
    },
  ];
  if (!spec.noReport) {
    out.push({
      resourceType: 'DiagnosticReport', id: `dr-${spec.id}`, status: 'final', subject,
      code: { coding: [{ system: 'http://loinc.org', code: '18748-4' }] },
      ...(spec.reportByStudyOnly ? {} : basedOn),
      imagingStudy: [{ reference: `ImagingStudy/${spec.id}` }],
      performer: [org],
    });
  }
  if (spec.dose) {
    out.push({
      resourceType: 'Observation', id: `dose-${spec.id}`, status: 'final', subject,
      code: { coding: [{ system: 'http://loinc.org', code: '73569-6' }] },
      partOf: [{ reference: `ImagingStudy/${spec.id}` }], focus: [{ reference: `ImagingStudy/${spec.id}` }],
      ...basedOn,
      effectiveDateTime: spec.started,
      valueString: 'dose summary',
      component: spec.dose as never,
    });
  }
  return out;
}

export function sites(): Resource[] {
  return (['a', 'b'] as const).flatMap((s): Resource[] => [
    { resourceType: 'Organization', id: `site-${s}`, name: `Site ${s.toUpperCase()}` },
    {
      resourceType: 'Endpoint', id: `pacs-${s}`, status: 'active',
      connectionType: { system: 'http://terminology.hl7.org/CodeSystem/endpoint-connection-type', code: 'dicom-wado-rs' },
      payloadType: [{ coding: [{ system: DCM, code: '113014' }] }], address: `https://pacs-${s}.example/dicomweb`,
    },
  ]);
}

export const radionuclide = (code: string) => ({ code: { coding: [{ system: SNOMED, code: '89457008' }] }, valueCodeableConcept: { coding: [{ system: SNOMED, code }] } });
