import type { ImagingStudy, Observation, Parameters, ParametersParameter, ServiceRequest } from '@medplum/fhirtypes';
import type { ServerContext } from '../fhir/rest/server-context';
import type { FhirStore } from '../store/store';
import { DCM, DOSE_SUMMARY_CODE, LOINC, METRICS, UCUM, modalityFromProcedure, readDose } from './dose-metrics';
import { round } from './dose-summary';
import { distribution } from './percentiles';
import { BATCH, buildRequest, localRef, readMany, refsOfType, streamSearch } from './store-query';

export type StatisticsMetric = 'ctdivol' | 'dlp' | 'dap' | 'effective-dose';
export const STATISTICS_METRICS: readonly StatisticsMetric[] = ['ctdivol', 'dlp', 'dap', 'effective-dose'];

export type StatisticsGrouping = 'facility' | 'month' | 'modality';
export const STATISTICS_GROUPINGS: readonly StatisticsGrouping[] = ['facility', 'month', 'modality'];

export interface DoseStatisticsQuery {
  /** Exam type: a token (`system|code` or `code`) matched on ImagingStudy.procedureCode and ServiceRequest.code. */
  code: string;
  metric: StatisticsMetric;
  start?: string;
  end?: string;
  /** `Organization/<id>`: only exams this organisation performed. */
  facility?: string;
  groupBy?: StatisticsGrouping;
}

/** One dose report with what it was found through, and what the grouping needs. */
interface DoseExam {
  obs: Observation;
  studyId?: string;
  orderId?: string;
}

/**
 * `Observation/$dose-statistics`: the distribution of one dose metric over the exams of one type in a period,
 * for comparison with diagnostic reference levels. An exam is of the type when its study's procedureCode
 * (ImagingStudy?procedure=) or its order's code (ServiceRequest?code=) is: CCAM, what French DRLs are defined
 * on. Its dose reports (LOINC 73569-6) are the Observations partOf/focus the study or basedOn the order, each
 * counted once; the period is the report's effective date. The facility is the study's performer
 * (series.performer.actor), else the order's; the modality the study's, else the report's procedure
 * reported. Indexed streams only, by batches of references; only the numbers are kept.
 */
export async function doseStatistics(ctx: ServerContext, store: FhirStore, q: DoseStatisticsQuery): Promise<Parameters> {
  const studies = new Map<string, ImagingStudy>();
  if (ctx.definitions.searchParameter('ImagingStudy', 'procedure')) {
    for await (const r of streamSearch(store, buildRequest(ctx, 'ImagingStudy', { procedure: q.code }), 1000)) studies.set(r.id, r.resource as ImagingStudy);
  }
  const orders = new Map<string, ServiceRequest>();
  for await (const r of streamSearch(store, buildRequest(ctx, 'ServiceRequest', { code: q.code }), 1000)) orders.set(r.id, r.resource as ServiceRequest);

  const date = [...(q.start ? [`ge${q.start}`] : []), ...(q.end ? [`le${q.end}`] : [])];
  const bounds = buildRequest(ctx, 'Observation', { date }).filters.flatMap((f) => f.values);
  const exams = new Map<string, DoseExam>();
  // Only by reference here, code and period tested in memory: with code/date in the query SQLite drives from
  // those indexes (every dose report of the region) and a batch took seconds at a million resources.
  const collect = async (code: string, refs: string[]) => {
    for (let i = 0; i < refs.length; i += BATCH) {
      const request = buildRequest(ctx, 'Observation', { [code]: refs.slice(i, i + BATCH).join(',') });
      for await (const r of streamSearch(store, request, 1000)) {
        const obs = r.resource as Observation;
        if (exams.has(r.id) || !obs.code?.coding?.some((c) => c.system === LOINC && c.code === DOSE_SUMMARY_CODE)) continue;
        if (bounds.length > 0 && !within(obs.effectiveDateTime ?? obs.effectivePeriod?.start, bounds)) continue;
        const studyId = refsOfType(ctx, [...(obs.partOf ?? []), ...(obs.focus ?? [])], 'ImagingStudy')[0];
        exams.set(r.id, { obs, studyId, orderId: refsOfType(ctx, obs.basedOn, 'ServiceRequest')[0] });
      }
    }
  };
  const studyRefs = [...studies.keys()].map((id) => `ImagingStudy/${id}`);
  await collect('part-of', studyRefs);
  await collect('focus', studyRefs);
  await collect('based-on', [...orders.keys()].map((id) => `ServiceRequest/${id}`));

  if (q.facility || q.groupBy === 'facility' || q.groupBy === 'modality') await completeContext(ctx, store, [...exams.values()], studies, orders);
  const keyOf = (e: DoseExam): string | undefined =>
    q.groupBy === 'facility' ? facilityOf(ctx, e, studies, orders) : q.groupBy === 'month' ? monthOf(e.obs) : q.groupBy === 'modality' ? modalityOf(e, studies) : undefined;

  const all: number[] = [];
  const grouped = new Map<string, number[]>();
  let withoutMetric = 0;
  for (const e of exams.values()) {
    if (q.facility && facilityOf(ctx, e, studies, orders) !== q.facility) continue;
    const value = readDose(e.obs).values.find((v) => v.metric === q.metric)?.value;
    if (value === undefined) {
      withoutMetric++;
      continue;
    }
    all.push(value);
    if (!q.groupBy) continue;
    const key = keyOf(e) ?? UNKNOWN;
    const list = grouped.get(key);
    if (list) list.push(value);
    else grouped.set(key, [value]);
  }

  const unit = METRICS[q.metric].unit;
  const groups: ParametersParameter[] = [group(all, unit, q.facility ? [{ name: 'facility', valueReference: { reference: q.facility } }] : [])];
  // Known keys in order (facility reference, YYYY-MM, DICOM code), the exams without one last.
  const keys = [...grouped.keys()].filter((k) => k !== UNKNOWN).sort();
  if (grouped.has(UNKNOWN)) keys.push(UNKNOWN);
  for (const key of keys) groups.push(group(grouped.get(key) ?? [], unit, [groupKey(q.groupBy as StatisticsGrouping, key)]));
  return {
    resourceType: 'Parameters',
    parameter: [
      { name: 'code', valueString: q.code },
      { name: 'metric', valueCode: q.metric },
      { name: 'unit', valueCoding: { system: UCUM, code: unit } },
      ...(q.start ? [{ name: 'start', valueString: q.start }] : []),
      ...(q.end ? [{ name: 'end', valueString: q.end }] : []),
      ...(q.groupBy ? [{ name: 'groupBy', valueCode: q.groupBy }] : []),
      { name: 'examsWithoutMetric', valueInteger: withoutMetric },
      ...groups,
    ],
  };
}

const UNKNOWN = '\u0000unknown';

/** Reads the studies and orders the dose reports point at that the type searches did not return (the other path's). */
async function completeContext(ctx: ServerContext, store: FhirStore, exams: DoseExam[], studies: Map<string, ImagingStudy>, orders: Map<string, ServiceRequest>): Promise<void> {
  const missingStudies = new Set(exams.map((e) => e.studyId).filter((id): id is string => id !== undefined && !studies.has(id)));
  for (const r of await readMany(ctx, store, 'ImagingStudy', missingStudies)) studies.set(r.id, r.resource as ImagingStudy);
  const missingOrders = new Set(exams.map((e) => e.orderId).filter((id): id is string => id !== undefined && !orders.has(id)));
  for (const r of await readMany(ctx, store, 'ServiceRequest', missingOrders)) orders.set(r.id, r.resource as ServiceRequest);
}

function facilityOf(ctx: ServerContext, e: DoseExam, studies: Map<string, ImagingStudy>, orders: Map<string, ServiceRequest>): string | undefined {
  const study = e.studyId ? studies.get(e.studyId) : undefined;
  const byStudy = (study?.series ?? []).flatMap((s) => refsOfType(ctx, (s.performer ?? []).map((p) => p.actor), 'Organization'))[0];
  if (byStudy) return `Organization/${byStudy}`;
  const order = e.orderId ? orders.get(e.orderId) : undefined;
  const byOrder = (order?.performer ?? []).map((p) => localRef(ctx, p.reference)).find((x) => x?.type === 'Organization');
  return byOrder ? `Organization/${byOrder.id}` : undefined;
}

function modalityOf(e: DoseExam, studies: Map<string, ImagingStudy>): string | undefined {
  const study = e.studyId ? studies.get(e.studyId) : undefined;
  return study?.modality?.find((m) => m.system === DCM)?.code ?? study?.series?.find((s) => s.modality?.system === DCM)?.modality.code ?? modalityFromProcedure(e.obs);
}

/** The report's month (YYYY-MM) as written: a local time stays in its own month. */
function monthOf(obs: Observation): string | undefined {
  return /^\d{4}-\d{2}/.exec(obs.effectiveDateTime ?? obs.effectivePeriod?.start ?? '')?.[0];
}

function groupKey(by: StatisticsGrouping, key: string): ParametersParameter {
  if (key === UNKNOWN) {
    const what = { facility: 'unknown performing organisation', month: 'no effective date', modality: 'unknown modality' }[by];
    if (by === 'facility') return { name: 'facility', valueReference: { display: what } };
    return by === 'modality' ? { name: 'modality', valueCoding: { display: what } } : { name: 'month', valueString: what };
  }
  if (by === 'facility') return { name: 'facility', valueReference: { reference: key } };
  if (by === 'modality') return { name: 'modality', valueCoding: { system: DCM, code: key } };
  return { name: 'month', valueString: key };
}

function group(values: number[], unit: string, keys: ParametersParameter[]): ParametersParameter {
  const d = distribution(values);
  const q = (value: number) => ({ value: round(value), unit, system: UCUM, code: unit });
  return {
    name: 'group',
    part: [
      ...keys,
      { name: 'count', valueInteger: d?.count ?? 0 },
      ...(d
        ? [
            { name: 'min', valueQuantity: q(d.min) },
            { name: 'p25', valueQuantity: q(d.p25) },
            { name: 'median', valueQuantity: q(d.median) },
            { name: 'p75', valueQuantity: q(d.p75) },
            { name: 'max', valueQuantity: q(d.max) },
          ]
        : []),
    ],
  };
}

/** The search parser's typed date bounds (ge start, le end), applied to the Observation's effective time. */
function within(value: string | undefined, bounds: { kind: string; prefix?: string; low?: number; high?: number }[]): boolean {
  const t = value ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(t)) return false;
  return bounds.every((b) => (b.prefix === 'ge' ? t >= (b.low ?? -Infinity) : b.prefix === 'le' ? t <= (b.high ?? Infinity) : true));
}
