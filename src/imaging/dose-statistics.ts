import type { Observation, Parameters, ParametersParameter, ServiceRequest } from '@medplum/fhirtypes';
import type { ServerContext } from '../fhir/rest/server-context';
import type { FhirStore } from '../store/store';
import { DOSE_SUMMARY_CODE, LOINC, METRICS, UCUM, readDose } from './dose-metrics';
import { round } from './dose-summary';
import { distribution } from './percentiles';
import { BATCH, buildRequest, localRef, streamSearch } from './store-query';

export type StatisticsMetric = 'ctdivol' | 'dlp' | 'dap';
export const STATISTICS_METRICS: readonly StatisticsMetric[] = ['ctdivol', 'dlp', 'dap'];

export interface DoseStatisticsQuery {
  /** Exam type: a token (`system|code` or `code`) matched on the order's ServiceRequest.code. */
  code: string;
  metric: StatisticsMetric;
  start?: string;
  end?: string;
  /** `Organization/<id>`: only orders performed by it. */
  facility?: string;
  groupByFacility: boolean;
}

/**
 * `Observation/$dose-statistics`: the distribution of one dose metric over the exams of one type in a period,
 * for comparison with diagnostic reference levels. The exam type is the order's code (ServiceRequest.code:
 * CCAM or LOINC), which is what French DRLs are defined on; the facility is the order's performer. Two
 * indexed streams: the orders of that code (ServiceRequest?code[&performer]), then their dose reports by
 * Observation?code=73569-6&based-on=...&date=, in batches; only the numbers are kept.
 */
export async function doseStatistics(ctx: ServerContext, store: FhirStore, q: DoseStatisticsQuery): Promise<Parameters> {
  const facilityOf = new Map<string, string | undefined>();
  const orders = buildRequest(ctx, 'ServiceRequest', { code: q.code, performer: q.facility });
  for await (const r of streamSearch(store, orders, 1000)) {
    const performer = ((r.resource as ServiceRequest).performer ?? []).map((p) => localRef(ctx, p.reference)).find((x) => x?.type === 'Organization');
    facilityOf.set(r.id, performer ? `Organization/${performer.id}` : undefined);
  }

  const values = new Map<string, number[]>();
  const all: number[] = [];
  let withoutMetric = 0;
  const ids = [...facilityOf.keys()];
  // Only by based-on, code and period tested here: with code/date in the query SQLite drives from those
  // indexes (every dose report of the region) and a batch took seconds at a million resources.
  const date = [...(q.start ? [`ge${q.start}`] : []), ...(q.end ? [`le${q.end}`] : [])];
  const bounds = buildRequest(ctx, 'Observation', { date }).filters.flatMap((f) => f.values);
  for (let i = 0; i < ids.length; i += BATCH) {
    const batch = ids.slice(i, i + BATCH).map((id) => `ServiceRequest/${id}`);
    const request = buildRequest(ctx, 'Observation', { 'based-on': batch.join(',') });
    for await (const r of streamSearch(store, request, 1000)) {
      const obs = r.resource as Observation;
      if (!obs.code?.coding?.some((c) => c.system === LOINC && c.code === DOSE_SUMMARY_CODE)) continue;
      if (bounds.length > 0 && !within(obs.effectiveDateTime ?? obs.effectivePeriod?.start, bounds)) continue;
      const value = readDose(obs).values.find((v) => v.metric === q.metric)?.value;
      if (value === undefined) {
        withoutMetric++;
        continue;
      }
      all.push(value);
      if (q.groupByFacility) {
        const order = (obs.basedOn ?? []).map((b) => localRef(ctx, b.reference)).find((x) => x?.type === 'ServiceRequest');
        const facility = (order && facilityOf.get(order.id)) ?? 'unknown';
        const list = values.get(facility) ?? [];
        list.push(value);
        values.set(facility, list);
      }
    }
  }

  const unit = METRICS[q.metric].unit;
  const groups: ParametersParameter[] = [group(all, unit, q.facility)];
  if (q.groupByFacility) {
    for (const [facility, list] of [...values.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      groups.push(group(list, unit, facility === 'unknown' ? undefined : facility, facility === 'unknown'));
    }
  }
  return {
    resourceType: 'Parameters',
    parameter: [
      { name: 'code', valueString: q.code },
      { name: 'metric', valueCode: q.metric },
      { name: 'unit', valueCoding: { system: UCUM, code: unit } },
      ...(q.start ? [{ name: 'start', valueString: q.start }] : []),
      ...(q.end ? [{ name: 'end', valueString: q.end }] : []),
      { name: 'examsWithoutMetric', valueInteger: withoutMetric },
      ...groups,
    ],
  };
}

function group(values: number[], unit: string, facility?: string, unknownFacility = false): ParametersParameter {
  const d = distribution(values);
  const q = (value: number) => ({ value: round(value), unit, system: UCUM, code: unit });
  return {
    name: 'group',
    part: [
      ...(facility ? [{ name: 'facility', valueReference: { reference: facility } }] : []),
      ...(unknownFacility ? [{ name: 'facility', valueReference: { display: 'unknown performing organisation' } }] : []),
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
