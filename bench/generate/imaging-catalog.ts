/**
 * Imaging procedures the generator draws from: modality, CCAM act (a code of
 * terminology/codesystem-ccam-imaging.json, with its label there), body site and dose model.
 */
export interface ProcedureKind {
  modality: 'CT' | 'MR' | 'CR' | 'DX' | 'US' | 'MG' | 'NM' | 'PT';
  /** The CCAM act; undefined where no act code has been checked yet (the order then carries text only). */
  ccam?: string;
  label: string;
  bodySite: { code: string; display: string };
  series: [number, number];
  instancesPerSeries: [number, number];
  dose?: DoseModel;
  sopClass: string;
}

/** Ranges of the dose quantities recorded for a procedure (units as in the dose summary profile). */
export interface DoseModel {
  /** "Procedure reported" (DCM 121058) value. */
  procedure: { system: string; code: string; display: string };
  /** CT dose length product total (DCM 113813), mGy.cm, and mean CTDIvol (DCM 113830), mGy. */
  dlp?: [number, number];
  ctdiVol?: [number, number];
  /** Dose area product total (DCM 113722), mGy.cm2: projection radiography and mammography. */
  dap?: [number, number];
  /** Accumulated average glandular dose (DCM 111637), mGy: mammography. */
  agd?: [number, number];
}

const SNOMED = 'http://snomed.info/sct';
const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const CT_DOSE = { system: SNOMED, code: '77477000', display: 'Computerized axial tomography' };
const PROJECTION_DOSE = { system: DCM, code: '113704', display: 'Projection X-Ray' };
const MAMMO_DOSE = { system: SNOMED, code: '71651007', display: 'Mammography' };
const CT_IMAGE = '1.2.840.10008.5.1.4.1.1.2';
const MR_IMAGE = '1.2.840.10008.5.1.4.1.1.4';

export const PROCEDURES: readonly ProcedureKind[] = [
  {
    modality: 'CT', ccam: 'ECQH010', label: 'Scanographie des vaisseaux du thorax et/ou du cœur [Angioscanner thoracique]',
    bodySite: { code: '51185008', display: 'Thorax' }, series: [2, 5], instancesPerSeries: [3, 8],
    dose: { procedure: CT_DOSE, dlp: [150, 600], ctdiVol: [4, 15] }, sopClass: CT_IMAGE,
  },
  {
    modality: 'CT', ccam: 'ACQK001', label: 'Scanographie du crâne et de son contenu, sans injection de produit de contraste',
    bodySite: { code: '69536005', display: 'Tête' }, series: [1, 3], instancesPerSeries: [3, 8],
    dose: { procedure: CT_DOSE, dlp: [600, 1200], ctdiVol: [30, 60] }, sopClass: CT_IMAGE,
  },
  {
    modality: 'CT', ccam: 'ZCQH002', label: 'Scanographie de l’abdomen ou du petit bassin [pelvis], avec injection intraveineuse de produit de contraste',
    bodySite: { code: '818981001', display: 'Abdomen' }, series: [2, 4], instancesPerSeries: [3, 8],
    dose: { procedure: CT_DOSE, dlp: [300, 900], ctdiVol: [8, 20] }, sopClass: CT_IMAGE,
  },
  {
    modality: 'MR', ccam: 'ACQJ002', label: 'Remnographie [IRM] du crâne et de son contenu, avec injection intraveineuse de produit de contraste',
    bodySite: { code: '12738006', display: 'Cerveau' }, series: [3, 7], instancesPerSeries: [2, 6], sopClass: MR_IMAGE,
  },
  {
    modality: 'DX', ccam: 'ZBQK002', label: 'Radiographie du thorax', bodySite: { code: '51185008', display: 'Thorax' },
    series: [1, 2], instancesPerSeries: [1, 2], dose: { procedure: PROJECTION_DOSE, dap: [60, 400] }, sopClass: '1.2.840.10008.5.1.4.1.1.1.1',
  },
  {
    modality: 'DX', ccam: 'ZCQK002', label: 'Radiographie de l’abdomen sans préparation', bodySite: { code: '818981001', display: 'Abdomen' },
    series: [1, 1], instancesPerSeries: [1, 2], dose: { procedure: PROJECTION_DOSE, dap: [1200, 4500] }, sopClass: '1.2.840.10008.5.1.4.1.1.1.1',
  },
  {
    modality: 'MG', ccam: 'QEQK001', label: 'Mammographie bilatérale', bodySite: { code: '76752008', display: 'Sein' },
    series: [1, 2], instancesPerSeries: [2, 4], dose: { procedure: MAMMO_DOSE, dap: [300, 1500], agd: [1, 3] }, sopClass: '1.2.840.10008.5.1.4.1.1.1.2',
  },
  {
    modality: 'US', ccam: 'ZCQM004', label: 'Échographie transcutanée de l’étage supérieur de l’abdomen avec échographie-doppler des vaisseaux digestifs',
    bodySite: { code: '818981001', display: 'Abdomen' }, series: [1, 2], instancesPerSeries: [2, 6], sopClass: '1.2.840.10008.5.1.4.1.1.6.1',
  },
] as const;

export const CONCLUSIONS = [
  'Absence d’anomalie décelable.',
  'Nodule pulmonaire infracentimétrique du lobe supérieur droit, contrôle à 3 mois.',
  'Pas de lésion ischémique ni hémorragique récente.',
  'Lésion méniscale interne de grade 2.',
  'Aspect stable par rapport à l’examen antérieur.',
  'Foyer de condensation basal gauche évocateur d’une pneumopathie.',
  'Micro-calcifications bénignes, ACR 2.',
] as const;

export const REASONS = [
  'Toux persistante', 'Céphalées inhabituelles', 'Douleur abdominale', 'Traumatisme du genou', 'Dépistage organisé',
  'Bilan d’extension', 'Suivi post-opératoire',
] as const;
