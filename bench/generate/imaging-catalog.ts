/** Imaging procedures the generator draws from: modality, CCAM-like procedure label, body site, dose model. */
export interface ProcedureKind {
  modality: 'CT' | 'MR' | 'CR' | 'DX' | 'US' | 'MG' | 'NM' | 'PT';
  ccam: string;
  label: string;
  bodySite: { code: string; display: string };
  series: [number, number];
  instancesPerSeries: [number, number];
  /** CT procedures carry a dose summary with DLP and CTDIvol ranges (mGy.cm, mGy). */
  ctDose?: { dlp: [number, number]; ctdiVol: [number, number] };
  sopClass: string;
}

export const PROCEDURES: readonly ProcedureKind[] = [
  {
    modality: 'CT', ccam: 'ZBQK002', label: 'Scanographie du thorax', bodySite: { code: '51185008', display: 'Thorax' },
    series: [2, 5], instancesPerSeries: [3, 8], ctDose: { dlp: [150, 600], ctdiVol: [4, 15] }, sopClass: '1.2.840.10008.5.1.4.1.1.2',
  },
  {
    modality: 'CT', ccam: 'ACQK001', label: 'Scanographie du crâne', bodySite: { code: '69536005', display: 'Tête' },
    series: [1, 3], instancesPerSeries: [3, 8], ctDose: { dlp: [600, 1200], ctdiVol: [30, 60] }, sopClass: '1.2.840.10008.5.1.4.1.1.2',
  },
  {
    modality: 'CT', ccam: 'ZCQK002', label: 'Scanographie de l’abdomen et du pelvis', bodySite: { code: '818981001', display: 'Abdomen' },
    series: [2, 4], instancesPerSeries: [3, 8], ctDose: { dlp: [300, 900], ctdiVol: [8, 20] }, sopClass: '1.2.840.10008.5.1.4.1.1.2',
  },
  {
    modality: 'MR', ccam: 'NZQN001', label: 'IRM du genou', bodySite: { code: '72696002', display: 'Genou' },
    series: [3, 6], instancesPerSeries: [2, 6], sopClass: '1.2.840.10008.5.1.4.1.1.4',
  },
  {
    modality: 'MR', ccam: 'ACQN001', label: 'IRM de l’encéphale', bodySite: { code: '12738006', display: 'Cerveau' },
    series: [3, 7], instancesPerSeries: [2, 6], sopClass: '1.2.840.10008.5.1.4.1.1.4',
  },
  {
    modality: 'DX', ccam: 'ZBQK001', label: 'Radiographie du thorax', bodySite: { code: '51185008', display: 'Thorax' },
    series: [1, 2], instancesPerSeries: [1, 2], sopClass: '1.2.840.10008.5.1.4.1.1.1.1',
  },
  {
    modality: 'MG', ccam: 'QEQK004', label: 'Mammographie bilatérale', bodySite: { code: '76752008', display: 'Sein' },
    series: [1, 2], instancesPerSeries: [2, 4], sopClass: '1.2.840.10008.5.1.4.1.1.1.2',
  },
  {
    modality: 'US', ccam: 'ZCQM001', label: 'Échographie abdominale', bodySite: { code: '818981001', display: 'Abdomen' },
    series: [1, 2], instancesPerSeries: [2, 6], sopClass: '1.2.840.10008.5.1.4.1.1.6.1',
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
