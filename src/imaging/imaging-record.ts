import type { Bundle, BundleEntry, BundleLink, DiagnosticReport, ImagingStudy, Observation, Reference, ServiceRequest } from '@medplum/fhirtypes';
import type { ServerContext } from '../fhir/rest/server-context';
import type { FhirStore, VersionRecord } from '../store/store';
import { resolveIdentities } from './linked-identities';
import { buildRequest, readMany, refsOfType, searchByRefs } from './store-query';
import { yieldToEventLoop } from '../kernel/yield-to-event-loop';

export interface ImagingRecordQuery {
  patientId: string;
  /** Set when called at type level (`Patient/$imaging-record?identifier=`): the page links repeat it. */
  identifier?: string;
  /** DICOM modality codes, OR (matched on ImagingStudy.series.modality, any system). */
  modality: string[];
  start?: string;
  end?: string;
  count: number;
  offset: number;
}

/**
 * `Patient/{id}/$imaging-record`: one page of the patient's imaging studies (every linked identity),
 * newest `started` first, each followed by what explains it: its orders (basedOn), reports (by
 * DiagnosticReport.basedOn the order, or DiagnosticReport.imagingStudy when that parameter is defined),
 * Observations partOf or focused on it (dose summaries), then the Endpoints, the performing Organizations
 * and Locations of the page, and the Patient identities. Queries are per page, by indexed references.
 */
export async function imagingRecord(ctx: ServerContext, store: FhirStore, q: ImagingRecordQuery): Promise<Bundle> {
  const ids = await resolveIdentities(ctx, store, q.patientId);
  const studyRequest = buildRequest(ctx, 'ImagingStudy', {
    patient: ids.refs.join(','),
    modality: q.modality.length > 0 ? q.modality.join(',') : undefined,
    started: [...(q.start ? [`ge${q.start}`] : []), ...(q.end ? [`le${q.end}`] : [])],
    _sort: '-started',
  });
  const page = await store.search({ ...studyRequest, count: q.count, offset: q.offset, total: 'accurate' });
  const studies = page.entries;
  await yieldToEventLoop();
  const studyRefs = studies.map((s) => `ImagingStudy/${s.id}`);

  const orderIds = studies.flatMap((s) => refsOfType(ctx, (s.resource as ImagingStudy).basedOn, 'ServiceRequest'));
  const withReportParam = ctx.definitions.searchParameter('DiagnosticReport', 'imaging-study') !== undefined;
  const none: Promise<VersionRecord[]> = Promise.resolve([]);
  const [orders, reportsByOrder, reportsByStudy, partOf, focused] = studies.length === 0 ? [[], [], [], [], []] : await Promise.all([
    orderIds.length > 0 ? readMany(ctx, store, 'ServiceRequest', orderIds) : none,
    orderIds.length > 0 ? searchByRefs(ctx, store, 'DiagnosticReport', 'based-on', orderIds.map((id) => `ServiceRequest/${id}`)) : none,
    withReportParam ? searchByRefs(ctx, store, 'DiagnosticReport', 'imaging-study', studyRefs) : none,
    searchByRefs(ctx, store, 'Observation', 'part-of', studyRefs),
    searchByRefs(ctx, store, 'Observation', 'focus', studyRefs),
  ]);

  const orderById = new Map(orders.map((r) => [r.id, r]));
  const reports = unique([...reportsByOrder, ...reportsByStudy]);
  const observations = unique([...partOf, ...focused]);

  const endpointIds = new Set<string>();
  const orgIds = new Set<string>();
  const locationIds = new Set<string>();
  const entries: BundleEntry[] = [];
  const placed = new Set<string>();
  const put = (r: VersionRecord, mode: 'match' | 'include') => {
    const key = `${r.resourceType}/${r.id}`;
    if (placed.has(key)) return;
    placed.add(key);
    entries.push({ fullUrl: `${ctx.config.baseUrl}/${key}`, resource: r.resource, search: { mode } });
  };

  for (const s of studies) {
    const study = s.resource as ImagingStudy;
    const ref = `ImagingStudy/${s.id}`;
    put(s, 'match');
    for (const id of refsOfType(ctx, study.endpoint, 'Endpoint')) endpointIds.add(id);
    for (const series of study.series ?? []) {
      for (const id of refsOfType(ctx, series.endpoint, 'Endpoint')) endpointIds.add(id);
      for (const id of refsOfType(ctx, series.performer?.map((p) => p.actor), 'Organization')) orgIds.add(id);
    }
    for (const id of refsOfType(ctx, [study.location], 'Location')) locationIds.add(id);
    const myOrders = refsOfType(ctx, study.basedOn, 'ServiceRequest');
    for (const id of myOrders) {
      const order = orderById.get(id);
      if (!order) continue;
      put(order, 'include');
      for (const org of refsOfType(ctx, (order.resource as ServiceRequest).performer, 'Organization')) orgIds.add(org);
    }
    const orderRefs = new Set(myOrders.map((id) => `ServiceRequest/${id}`));
    for (const r of reports) {
      const report = r.resource as DiagnosticReport;
      if (pointsAt(ctx, report.imagingStudy, ref) || (report.basedOn ?? []).some((b) => orderRefs.has(norm(ctx, b)))) {
        put(r, 'include');
        for (const org of refsOfType(ctx, report.performer, 'Organization')) orgIds.add(org);
      }
    }
    for (const o of observations) {
      const obs = o.resource as Observation;
      if (pointsAt(ctx, obs.partOf, ref) || pointsAt(ctx, obs.focus, ref)) put(o, 'include');
    }
  }

  const [endpoints, orgs, locations] = await Promise.all([
    endpointIds.size > 0 ? readMany(ctx, store, 'Endpoint', endpointIds) : none,
    orgIds.size > 0 ? readMany(ctx, store, 'Organization', orgIds) : none,
    locationIds.size > 0 ? readMany(ctx, store, 'Location', locationIds) : none,
  ]);
  for (const r of [...endpoints, ...orgs, ...locations, ids.patient, ...ids.linked]) put(r, 'include');
  if (ids.truncated) {
    entries.push({
      resource: { resourceType: 'OperationOutcome', issue: [{ severity: 'warning', code: 'too-costly', diagnostics: 'Linked identities were cut at the server limit: the record may be incomplete' }] },
      search: { mode: 'outcome' },
    });
  }

  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: page.total,
    link: pageLinks(ctx, q, page.hasMore),
    entry: entries,
  };
}

function unique(records: VersionRecord[]): VersionRecord[] {
  const seen = new Map<string, VersionRecord>();
  for (const r of records) seen.set(`${r.resourceType}/${r.id}`, r);
  return [...seen.values()];
}

function norm(ctx: ServerContext, ref: Reference | undefined): string {
  const r = ref?.reference ?? '';
  return r.startsWith(`${ctx.config.baseUrl}/`) ? r.slice(ctx.config.baseUrl.length + 1) : r;
}

function pointsAt(ctx: ServerContext, refs: Reference[] | undefined, target: string): boolean {
  return (refs ?? []).some((r) => norm(ctx, r) === target);
}

function pageLinks(ctx: ServerContext, q: ImagingRecordQuery, hasMore: boolean): BundleLink[] {
  const url = (offset: number) => {
    const p = new URLSearchParams();
    if (q.identifier) p.set('identifier', q.identifier);
    if (q.modality.length > 0) p.set('modality', q.modality.join(','));
    if (q.start) p.set('start', q.start);
    if (q.end) p.set('end', q.end);
    p.set('_count', String(q.count));
    if (offset > 0) p.set('_offset', String(offset));
    return `${ctx.config.baseUrl}/Patient/${q.identifier ? '' : `${q.patientId}/`}$imaging-record?${p.toString()}`;
  };
  const links: BundleLink[] = [
    { relation: 'self', url: url(q.offset) },
    { relation: 'first', url: url(0) },
  ];
  if (q.offset > 0 && q.count > 0) links.push({ relation: 'previous', url: url(Math.max(0, q.offset - q.count)) });
  if (hasMore && q.count > 0) links.push({ relation: 'next', url: url(q.offset + q.count) });
  return links;
}
