import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerContext } from '../fhir/rest/server-context';
import { EXPOSED_HEADERS } from './cors-headers';
import { logRequest } from './request-log';
import { FHIR_JSON } from './send';

export interface FastAnswers {
  /** Whether a fast path may answer at all: with CORS off or '*', every answer carries the same CORS headers. */
  enabled: boolean;
  /**
   * Sends a 200 JSON answer (X-Request-Id: the request context's id) with the headers the general path's middleware adds (request id, CORS, Vary),
   * with one writeHead + end, and logs the request line the general path would log.
   */
  send(req: IncomingMessage, res: ServerResponse, requestId: string, headers: Record<string, string>, text: string, start: number, length?: number): void;
}

/** What the fast paths ahead of Express (fast-read, fast-search) share. */
export function fastAnswers(ctx: ServerContext): FastAnswers {
  const origins = ctx.config.corsOrigins;
  const anyOrigin = origins.includes('*');
  const exposed = EXPOSED_HEADERS.join(',');
  return {
    enabled: origins.length === 0 || anyOrigin,
    send(req, res, requestId, headers, text, start, length = Buffer.byteLength(text)) {
      res.setHeader('X-Request-Id', requestId);
      if (anyOrigin) {
        res.setHeader('Access-Control-Allow-Origin', '*');
        res.setHeader('Access-Control-Expose-Headers', exposed);
      }
      res.setHeader('Vary', 'Accept-Encoding');
      for (const name in headers) res.setHeader(name, headers[name]);
      res.writeHead(200, { 'Content-Type': FHIR_JSON, 'Content-Length': length });
      res.end(text);
      logRequest(ctx.logger, requestId, 'GET', req.url ?? '', 200, start);
    },
  };
}
