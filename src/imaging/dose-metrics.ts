import type { Coding, Observation, ObservationComponent, Quantity } from '@medplum/fhirtypes';

export const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
export const LOINC = 'http://loinc.org';
export const SNOMED = 'http://snomed.info/sct';
export const UCUM = 'http://unitsofmeasure.org';
/** LOINC 73569-6 "Radiation exposure and protection information": the HL7 Radiation Dose Summary code. */
export const DOSE_SUMMARY_CODE = '73569-6';

export type DoseMetric = 'dlp' | 'ctdivol' | 'dap' | 'effective-dose' | 'activity' | 'fluoro-time';
export const DOSE_METRICS: readonly DoseMetric[] = ['dlp', 'ctdivol', 'dap', 'effective-dose', 'activity', 'fluoro-time'];

/**
 * Each metric: the DICOM codes read (standards §4.1-4.2), the unit every value is normalised to and the
 * factor from each accepted UCUM code to it. The first code is the summary total; the others are read only
 * when no total is present and then summed (DAP = fluoro DAP + acquisition DAP; DLP = the CT events' DLP).
 * 1 Gy·m² = 1000 mGy × 10⁴ cm² = 10⁷ mGy·cm².
 */
export const METRICS: Record<DoseMetric, { codes: string[]; unit: string; factors: Record<string, number> }> = {
  dlp: { codes: ['113813', '113838'], unit: 'mGy.cm', factors: { 'mGy.cm': 1, 'Gy.cm': 1000, 'mGy.mm': 0.1, 'mGy.m': 100, 'uGy.cm': 0.001 } },
  ctdivol: { codes: ['113830'], unit: 'mGy', factors: { mGy: 1, Gy: 1000, uGy: 0.001, cGy: 10 } },
  dap: {
    codes: ['113722', '113726', '113727'],
    unit: 'mGy.cm2',
    factors: { 'mGy.cm2': 1, 'Gy.m2': 1e7, 'Gy.cm2': 1000, 'dGy.cm2': 100, 'cGy.cm2': 10, 'uGy.m2': 10, 'mGy.m2': 1e4, 'uGy.cm2': 0.001 },
  },
  'effective-dose': { codes: ['113839'], unit: 'mSv', factors: { mSv: 1, Sv: 1000, uSv: 0.001 } },
  activity: { codes: ['113507'], unit: 'MBq', factors: { MBq: 1, GBq: 1000, kBq: 0.001, Bq: 1e-6, mCi: 37, uCi: 0.037 } },
  'fluoro-time': { codes: ['113730'], unit: 's', factors: { s: 1, min: 60, ms: 0.001, h: 3600 } },
};

/** What one dose Observation says about one metric, already in the metric's unit. */
export interface MetricValue {
  metric: DoseMetric;
  value: number;
  /** Values that must not be summed together: CT phantom (head/body) for DLP and CTDIvol, radionuclide for activity. */
  qualifier?: Coding;
}

export interface DoseReading {
  values: MetricValue[];
  /** Components with a dose code whose unit is not convertible (left out of every total). */
  unconvertible: string[];
}

const codeOf = (c: ObservationComponent): string | undefined => c.code.coding?.find((x) => x.system === DCM)?.code;
const codingOf = (obs: Observation, system: string, code: string): Coding | undefined =>
  obs.component?.find((c) => c.code.coding?.some((x) => x.system === system && x.code === code))?.valueCodeableConcept?.coding?.[0];

/** Converts a Quantity to `metric`'s unit by its UCUM code (or its unit text when code is missing); undefined when it cannot. */
export function normalise(metric: DoseMetric, q: Quantity | undefined): number | undefined {
  if (typeof q?.value !== 'number' || !Number.isFinite(q.value)) return undefined;
  if (q.system !== undefined && q.system !== UCUM) return undefined;
  const unit = (q.code ?? q.unit ?? '').replace(/·/g, '.').replace(/²/g, '2').replace(/µ/g, 'u');
  const factor = METRICS[metric].factors[unit];
  return factor === undefined ? undefined : q.value * factor;
}

/** The metric values of a dose summary Observation (components coded in DCM). */
export function readDose(obs: Observation): DoseReading {
  const phantom = codingOf(obs, DCM, '113835');
  const radionuclide = codingOf(obs, SNOMED, '89457008');
  const values: MetricValue[] = [];
  const unconvertible: string[] = [];
  for (const metric of DOSE_METRICS) {
    const { codes } = METRICS[metric];
    const components = obs.component ?? [];
    const total = components.filter((c) => codeOf(c) === codes[0]);
    const chosen = total.length > 0 ? total : components.filter((c) => codes.slice(1).includes(codeOf(c) ?? ''));
    if (chosen.length === 0) continue;
    let sum = 0;
    let any = false;
    for (const c of chosen) {
      const v = normalise(metric, c.valueQuantity);
      if (v === undefined) unconvertible.push(`${codeOf(c)} ${c.valueQuantity?.code ?? c.valueQuantity?.unit ?? '(no unit)'}`);
      else {
        sum += v;
        any = true;
      }
    }
    if (!any) continue;
    const qualifier = metric === 'activity' ? radionuclide : metric === 'dlp' || metric === 'ctdivol' ? phantom : undefined;
    // CTDIvol is a per-acquisition index, not additive: an exam's value is the mean of its acquisitions.
    const value = metric === 'ctdivol' ? sum / chosen.length : sum;
    values.push({ metric, value, ...(qualifier ? { qualifier } : {}) });
  }
  return { values, unconvertible };
}

/** DICOM modality implied by the dose report's "Procedure reported" (DCM 121058), when the study is unknown. */
export function modalityFromProcedure(obs: Observation): string | undefined {
  const c = codingOf(obs, DCM, '121058');
  const map: Record<string, string> = { '77477000': 'CT', '113704': 'DX', '71651007': 'MG', '113502': 'NM' };
  return c?.code ? map[c.code] : undefined;
}
