import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { redactUrl } from '../fhir/rest/redact-url';

const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The client's X-Request-Id when it is a short token, else a new UUID. */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && SANE_ID.test(given) ? given : randomUUID();
}

/** The one log line of a request: request id, method, url (identifying search values redacted), status and duration in ms (since `start`, performance.now()). */
export function logRequest(logger: Logger, requestId: string, method: string, url: string, status: number, start: number): void {
  if (!logger.isLevelEnabled('info')) return;
  const ms = performance.now() - start;
  logger.info(
    { reqId: requestId, method, url: redactUrl(url.slice(0, 2000)).slice(0, 500), status, ms: Math.round(ms * 100) / 100 },
    'request',
  );
}

/**
 * Echoes the client's X-Request-Id (when it is a short token) or generates one, and logs each request once
 * it finished: request id, method, url, status and duration in ms. `res.locals.requestId` carries the id.
 */
export function requestLog(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const start = performance.now();
    const requestId = requestIdOf(req);
    res.locals.requestId = requestId;
    res.setHeader('X-Request-Id', requestId);
    res.on('finish', () => logRequest(logger, requestId, req.method, req.originalUrl, res.statusCode, start));
    next();
  };
}
