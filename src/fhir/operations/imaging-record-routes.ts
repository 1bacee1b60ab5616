import { badRequest } from '../../kernel/errors';
import { doseStatistics, STATISTICS_METRICS } from '../../imaging/dose-statistics';
import { doseSummary } from '../../imaging/dose-summary';
import { everything } from '../../imaging/everything';
import { imagingRecord } from '../../imaging/imaging-record';
import { OperationArgs } from '../../imaging/operation-args';
import type { FhirResponse } from '../rest/fhir-request';
import { operationRoute } from './operation-route';
import type { FhirRouter, RouteHandler } from '../rest/router';
import { assertUrlId } from '../rest/write-body';

/** The canonical base of the OperationDefinitions Lucarne ships (ig/). */
const LUCARNE = 'https://lucarne.example/fhir/OperationDefinition/';

/** Studies per page of $imaging-record when `_count` is not given. */
const DEFAULT_STUDIES_PER_PAGE = 20;

const ok = (body: FhirResponse['body']): FhirResponse => ({ status: 200, headers: {}, body });

export const imagingRecordHandler: RouteHandler = async (ctx, request, store, { id }) => {
  assertUrlId(id);
  const args = new OperationArgs(request);
  const modality = args.codes('modality');
  for (const m of modality) if (!/^[A-Z0-9_]{1,16}$/.test(m)) throw badRequest(`Parameter 'modality' must be DICOM modality codes (CT, MR...), not '${m.slice(0, 20)}'`, 'modality');
  return ok(await imagingRecord(ctx, store, {
    patientId: id,
    modality,
    start: args.date('start'),
    end: args.date('end'),
    count: args.count('_count', DEFAULT_STUDIES_PER_PAGE, ctx.config.maxPageSize),
    offset: args.integer('_offset', 0) ?? 0,
  }));
};

export const everythingHandler: RouteHandler = async (ctx, request, store, { id }) => {
  assertUrlId(id);
  const args = new OperationArgs(request);
  const types = args.codes('_type');
  return ok(await everything(ctx, store, {
    patientId: id,
    since: args.date('_since'),
    types: types.length > 0 ? types : undefined,
    count: args.count('_count', ctx.config.defaultPageSize, ctx.config.maxPageSize),
    offset: args.integer('_offset', 0) ?? 0,
  }));
};

export const doseSummaryHandler: RouteHandler = async (ctx, request, store, { id }) => {
  assertUrlId(id);
  new OperationArgs(request);
  return ok(await doseSummary(ctx, store, id));
};

export const doseStatisticsHandler: RouteHandler = async (ctx, request, store) => {
  const args = new OperationArgs(request);
  const code = args.string('code');
  if (!code) throw badRequest(`Parameter 'code' (the exam type, system|code of the order) is required`, 'code');
  const metric = args.oneOf('metric', STATISTICS_METRICS);
  if (!metric) throw badRequest(`Parameter 'metric' is required: one of ${STATISTICS_METRICS.join(', ')}`, 'metric');
  const facility = args.string('facility');
  if (facility !== undefined && !/^Organization\/[A-Za-z0-9\-.]{1,64}$/.test(facility)) throw badRequest(`Parameter 'facility' must be a reference Organization/<id>, not '${facility.slice(0, 40)}'`, 'facility');
  const groupBy = args.oneOf('groupBy', ['facility'] as const);
  return ok(await doseStatistics(ctx, store, {
    code,
    metric,
    start: args.date('start'),
    end: args.date('end'),
    facility,
    groupByFacility: groupBy === 'facility',
  }));
};

/** The imaging record operations: $imaging-record, $everything, $dose-summary (Patient) and $dose-statistics (Observation). */
export function registerImagingRoutes(router: FhirRouter): void {
  const routes: [string, string, RouteHandler][] = [
    ['Patient/:id/$imaging-record', `${LUCARNE}imaging-record`, imagingRecordHandler],
    ['Patient/:id/$everything', 'http://hl7.org/fhir/OperationDefinition/Patient-everything', everythingHandler],
    ['Patient/:id/$dose-summary', `${LUCARNE}dose-summary`, doseSummaryHandler],
    ['Observation/$dose-statistics', `${LUCARNE}dose-statistics`, doseStatisticsHandler],
  ];
  for (const [pattern, definition, handler] of routes) {
    const checked = operationRoute(definition, handler);
    for (const method of ['GET', 'POST'] as const) router.register(method, pattern, checked);
  }
}
