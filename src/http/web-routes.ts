import type express from 'express';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { tooLarge } from '../kernel/errors';
import type { WebRequest, WebRoute } from '../kernel/web-route';
import { readBodyText } from './body-bytes';
import { sendError } from './send';

/** Bodies of the OAuth and sign-in endpoints are small forms: anything larger is refused. */
const WEB_BODY_LIMIT = 64 * 1024;

/**
 * Mounts the plain web endpoints the domains define (SMART discovery, OAuth, sign-in pages) on exact paths.
 * A route's own errors should be its responses; anything it throws is answered as an OperationOutcome.
 */
export function mountWebRoutes(app: express.Express, routes: readonly WebRoute[], logger: Logger): void {
  for (const route of routes) {
    const method = route.method.toLowerCase() as 'get' | 'post' | 'delete' | 'put';
    // A prefix route also answers the paths below it (Express 5 names the wildcard).
    app[method](route.prefix ? [route.path, `${route.path}/*rest`] : route.path, (req: Request, res: Response) => {
      void serve(route, req, res, logger);
    });
  }
}

async function serve(route: WebRoute, req: Request, res: Response, logger: Logger): Promise<void> {
  try {
    const url = req.url;
    const q = url.indexOf('?');
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > WEB_BODY_LIMIT) throw tooLarge(`Request body over ${WEB_BODY_LIMIT} bytes`);
    const hasBody = req.method === 'POST' || req.method === 'PUT';
    const request: WebRequest = {
      method: req.method,
      path: req.path,
      query: new URLSearchParams(q >= 0 ? url.slice(q + 1) : ''),
      headers: req.headers as Record<string, string | undefined>,
      body: hasBody ? await readBodyText(req, WEB_BODY_LIMIT) : '',
      remoteAddress: req.socket.remoteAddress,
      requestId: res.locals.requestId as string,
    };
    const response = await route.handle(request);
    res.status(response.status);
    for (const [name, value] of Object.entries(response.headers ?? {})) res.setHeader(name, value as string | string[]);
    if (response.body === undefined) res.end();
    else if (typeof response.body === 'string') res.end(response.body);
    else {
      if (!res.hasHeader('Content-Type')) res.setHeader('Content-Type', 'application/json; charset=utf-8');
      res.end(JSON.stringify(response.body));
    }
  } catch (err) {
    sendError(res, err, logger);
  }
}
