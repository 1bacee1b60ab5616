import { badRequest } from '../kernel/errors';
import { doseStatistics, STATISTICS_GROUPINGS, STATISTICS_METRICS } from './dose-statistics';
import { doseSummary } from './dose-summary';
import { everything } from './everything';
import { examType } from './exam-type';
import { imagingRecord, type ImagingRecordQuery } from './imaging-record';
import { OperationArgs } from './operation-args';
import { patientByIdentifier } from './patient-by-identifier';
import type { FhirResponse } from '../fhir/rest/fhir-request';
import type { FhirRouter, RouteHandler } from '../fhir/rest/router';
import type { ServerContext } from '../fhir/rest/server-context';
import { assertUrlId } from '../fhir/rest/write-body';
import { operationRoute } from '../fhir/operations/operation-route';

/** The canonical base of the OperationDefinitions Lucarne ships (ig/). */
const LUCARNE = 'https://lucarne.example/fhir/OperationDefinition/';

/** Studies per page of $imaging-record when `_count` is not given. */
const DEFAULT_STUDIES_PER_PAGE = 20;

const ok = (body: FhirResponse['body']): FhirResponse => ({ status: 200, headers: {}, body });

export const imagingRecordHandler: RouteHandler = async (ctx, request, { id }) => {
  assertUrlId(id);
  return ok(await imagingRecord(ctx, ctx.store, { patientId: id, ...imagingRecordArgs(ctx, new OperationArgs(request)) }));
};

/** `Patient/$imaging-record?identifier=system|value`: the same record, for the one Patient with that INS or IPP. */
export const typeImagingRecordHandler: RouteHandler = async (ctx, request) => {
  const args = new OperationArgs(request);
  const identifier = args.string('identifier');
  const query = imagingRecordArgs(ctx, args);
  const patientId = await patientByIdentifier(ctx, ctx.store, identifier);
  return ok(await imagingRecord(ctx, ctx.store, { patientId, identifier, ...query }));
};

function imagingRecordArgs(ctx: ServerContext, args: OperationArgs): Omit<ImagingRecordQuery, 'patientId'> {
  const modality = args.codes('modality');
  for (const m of modality) if (!/^[A-Z0-9_]{1,16}$/.test(m)) throw badRequest(`Parameter 'modality' must be DICOM modality codes (CT, MR...), not '${m.slice(0, 20)}'`, 'modality');
  return {
    modality,
    start: args.date('start'),
    end: args.date('end'),
    count: args.count('_count', DEFAULT_STUDIES_PER_PAGE, ctx.config.maxPageSize),
    offset: args.integer('_offset', 0) ?? 0,
  };
}

export const everythingHandler: RouteHandler = async (ctx, request, { id }) => {
  assertUrlId(id);
  const args = new OperationArgs(request);
  const types = args.codes('_type');
  return ok(await everything(ctx, ctx.store, {
    patientId: id,
    since: args.date('_since'),
    types: types.length > 0 ? types : undefined,
    count: args.count('_count', ctx.config.defaultPageSize, ctx.config.maxPageSize),
    offset: args.integer('_offset', 0) ?? 0,
  }));
};

export const doseSummaryHandler: RouteHandler = async (ctx, request, { id }) => {
  assertUrlId(id);
  new OperationArgs(request);
  return ok(await doseSummary(ctx, ctx.store, id));
};

export const doseStatisticsHandler: RouteHandler = async (ctx, request) => {
  const args = new OperationArgs(request);
  const metric = args.oneOf('metric', STATISTICS_METRICS);
  if (!metric) throw badRequest(`Parameter 'metric' is required: one of ${STATISTICS_METRICS.join(', ')}`, 'metric');
  const code = examType(ctx, args.string('code')).token;
  const facility = args.string('facility');
  if (facility !== undefined && !/^Organization\/[A-Za-z0-9\-.]{1,64}$/.test(facility)) throw badRequest(`Parameter 'facility' must be a reference Organization/<id>, not '${facility.slice(0, 40)}'`, 'facility');
  return ok(await doseStatistics(ctx, ctx.store, {
    code,
    metric,
    start: args.date('start'),
    end: args.date('end'),
    facility,
    groupBy: args.oneOf('groupBy', STATISTICS_GROUPINGS),
  }));
};

/** The imaging record operations: $imaging-record (instance and type level), $everything, $dose-summary (Patient) and $dose-statistics (Observation). */
export function registerImagingRoutes(router: FhirRouter): void {
  const routes: [string, string, RouteHandler][] = [
    ['Patient/:id/$imaging-record', `${LUCARNE}imaging-record`, imagingRecordHandler],
    ['Patient/$imaging-record', `${LUCARNE}imaging-record`, typeImagingRecordHandler],
    ['Patient/:id/$everything', 'http://hl7.org/fhir/OperationDefinition/Patient-everything', everythingHandler],
    ['Patient/:id/$dose-summary', `${LUCARNE}dose-summary`, doseSummaryHandler],
    ['Observation/$dose-statistics', `${LUCARNE}dose-statistics`, doseStatisticsHandler],
  ];
  for (const [pattern, definition, handler] of routes) {
    const checked = operationRoute(definition, handler);
    for (const method of ['GET', 'POST'] as const) router.register(method, pattern, checked);
  }
}
