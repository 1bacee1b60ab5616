import type { Resource } from '@medplum/fhirtypes';
import type { Response } from 'express';
import type { Logger } from 'pino';
import { FhirError, issue, operationOutcome } from '../kernel/errors';
import { writeJson } from '../kernel/json/write-json';

export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/** Writes a FHIR answer: headers, then the body serialised once (indented under _pretty=true). */
export function sendFhir(
  res: Response,
  status: number,
  headers: Record<string, string>,
  body: Resource | undefined,
  pretty: boolean,
  head = false,
  rawBody?: string,
): void {
  res.status(status);
  for (const name in headers) res.setHeader(name, headers[name]);
  if ((rawBody === undefined && body === undefined) || status === 204 || status === 304) {
    res.end();
    return;
  }
  const text = rawBody !== undefined && !pretty ? rawBody : writeJson(body, pretty ? 2 : undefined);
  res.setHeader('Content-Type', FHIR_JSON);
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(head ? undefined : text);
}

/** The one error mapping: FhirError to its status and outcome; anything else 500, logged, without details. */
export function sendError(res: Response, err: unknown, logger: Logger, pretty = false): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (err instanceof FhirError) {
    sendFhir(res, err.status, err.headers, err.outcome, pretty);
    return;
  }
  logger.error({ err }, 'unexpected error');
  sendFhir(res, 500, {}, operationOutcome([issue('exception', 'Internal server error')]), pretty);
}
