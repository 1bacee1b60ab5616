import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { issue, operationOutcome } from '../../kernel/errors';
import type { VersionRecord } from '../../store/store';
import { versionHeaders } from '../model/meta';
import type { FhirRequest, FhirResponse } from './fhir-request';
import type { ServerContext } from './server-context';
import { applySubsetting, parseSubsetting, type Subsetting } from './summary';

/** base/Type/id/_history/n */
export function versionUrl(ctx: ServerContext, record: VersionRecord): string {
  return `${ctx.config.baseUrl}/${record.resourceType}/${record.id}/_history/${record.versionId}`;
}

/** The answer to a read/vread: the version's resource with ETag, Last-Modified, Content-Location. */
export function readResponse(ctx: ServerContext, request: FhirRequest, record: VersionRecord): FhirResponse {
  const headers = { ...versionHeaders(record), 'Content-Location': versionUrl(ctx, record) };
  const subsetting = parseSubsetting(request.query);
  if (record.json !== undefined && isWhole(subsetting)) return wholeResource(headers, record, 200);
  const resource = applySubsetting(ctx.definitions, record.resource as Resource, subsetting);
  return { status: 200, headers, body: resource };
}

function isWhole(subsetting: Subsetting): boolean {
  return (subsetting.summary === 'false' || subsetting.summary === 'count') && subsetting.elements === undefined;
}

/** The stored text as the answer; `body` is parsed only if someone asks for it (a Bundle entry, _pretty). */
function wholeResource(headers: Record<string, string>, record: VersionRecord, status: number): FhirResponse {
  return {
    status,
    headers,
    rawBody: record.json,
    get body() {
      return record.resource;
    },
  };
}

/** `return=minimal | representation | OperationOutcome` from the Prefer header (representation by default). */
export function preferredReturn(request: FhirRequest): 'minimal' | 'representation' | 'OperationOutcome' {
  const m = /(?:^|[;,\s])return\s*=\s*"?(minimal|representation|OperationOutcome)"?/i.exec(request.headers.prefer ?? '');
  if (!m) return 'representation';
  const value = m[1].toLowerCase();
  return value === 'minimal' ? 'minimal' : value === 'operationoutcome' ? 'OperationOutcome' : 'representation';
}

/** The answer to a create/update: Location, ETag, Last-Modified and the body the client preferred. */
export function writeResponse(
  ctx: ServerContext,
  request: FhirRequest,
  record: VersionRecord,
  status: number,
  warnings: OperationOutcomeIssue[] = [],
): FhirResponse {
  const location = versionUrl(ctx, record);
  const headers = { ...versionHeaders(record), Location: location, 'Content-Location': location };
  const mode = preferredReturn(request);
  if (mode === 'minimal') return { status, headers };
  if (mode === 'OperationOutcome') {
    const verb = status === 201 ? 'Created' : 'Updated';
    return {
      status,
      headers,
      body: operationOutcome([
        issue('informational', `${verb} ${record.resourceType}/${record.id} version ${record.versionId}`, undefined, 'information'),
        ...warnings,
      ]),
    };
  }
  if (record.json !== undefined) return wholeResource(headers, record, status);
  return { status, headers, body: record.resource };
}
