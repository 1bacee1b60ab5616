import type { IncomingMessage, ServerResponse } from 'node:http';
import compression from 'compression';
import cors from 'cors';
import express, { type NextFunction, type Request, type Response } from 'express';
import { methodNotAllowed, notFound } from '../kernel/errors';
import type { ScanBudget } from '../kernel/json/body-budget-scan';
import type { FhirRequest } from '../fhir/rest/fhir-request';
import { openRequestContext } from '../fhir/rest/request-context';
import type { FhirRouter } from '../fhir/rest/router';
import type { ServerContext } from '../fhir/rest/server-context';
import { anonymousCallers, type CallerOf } from './caller-of';
import { BodyBudget, BodyReservation } from './body-budget';
import { EXPOSED_HEADERS } from './cors-headers';
import { fastRead } from './fast-read';
import { fastSearch } from './fast-search';
import { negotiate } from './negotiate';
import { readBody } from './read-body';
import { requestLog } from './request-log';
import { sendError, sendFhir } from './send';
import { mountWebRoutes } from './web-routes';
import type { WebRoute } from '../kernel/web-route';
import { isLargeBundle, sendBundleStreamed } from './send-bundle';

const FHIR_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The HTTP adapter: FHIR at /fhir (through the transport-neutral router, each request under its own
 * RequestContext), /healthz (process alive) and /readyz (store reachable). Middleware is kept to what every
 * request needs: request id + log, CORS when configured, gzip; bodies are read and parsed here (see
 * read-body.ts), only for methods that carry one.
 */
export interface HttpAppOptions {
  /** Plain web endpoints of the domains (SMART discovery, OAuth, sign-in pages), mounted before /fhir. */
  webRoutes?: readonly WebRoute[];
  /** Who each request comes from (default: everyone is the anonymous caller). */
  callerOf?: CallerOf;
}

export function createHttpApp(ctx: ServerContext, router: FhirRouter, options: HttpAppOptions = {}): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', false);

  app.use(requestLog(ctx.logger));
  if (ctx.config.corsOrigins.length > 0) {
    const origins = ctx.config.corsOrigins;
    app.use(
      cors({
        origin: origins.includes('*') ? '*' : origins,
        exposedHeaders: EXPOSED_HEADERS,
        methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
        maxAge: 600,
      }),
    );
  }
  app.use(compression({ threshold: 1024 }));

  app.get('/healthz', (_req, res) => {
    res.status(200).json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await ctx.store.ready?.();
      await ctx.store.read('Patient', 'readyz-probe');
      res.status(200).json({ status: 'ready' });
    } catch (err) {
      ctx.logger.warn({ err }, 'store not reachable');
      res.status(503).json({ status: 'unavailable' });
    }
  });

  mountWebRoutes(app, options.webRoutes ?? [], ctx.logger);

  const budget = new BodyBudget(ctx.config.maxInFlightBodyBytes);
  const bodyLimits: ScanBudget = { maxEntries: ctx.config.maxBundleEntries, maxResourceValues: ctx.config.maxResourceElements };
  const callerOf = options.callerOf ?? anonymousCallers;
  app.use('/fhir', (req: Request, res: Response) => {
    void handleFhir(ctx, router, callerOf, req, res, budget, bodyLimits);
  });

  app.use((req: Request, res: Response) => {
    sendError(res, notFound(`No route for ${req.method} ${req.path.slice(0, 200)}`), ctx.logger);
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    sendError(res, err, ctx.logger);
  });
  // The read and search fast paths run before Express's own per-request work (prototype swaps, router walk):
  // Express calls app.handle for every request, so wrapping it puts them in front of everything else.
  const read = fastRead(ctx, router, callerOf);
  const search = fastSearch(ctx, router, callerOf);
  const target = app as unknown as { handle: ExpressHandle };
  const expressHandle = target.handle;
  target.handle = function handle(this: unknown, req, res, next) {
    read(req, res, () => search(req, res, () => expressHandle.call(this, req, res, next)));
  };
  return app;
}

type ExpressHandle = (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void) => void;

async function handleFhir(
  ctx: ServerContext,
  router: FhirRouter,
  callerOf: CallerOf,
  req: Request,
  res: Response,
  budget: BodyBudget,
  bodyLimits: ScanBudget,
): Promise<void> {
  const url = req.url;
  const q = url.indexOf('?');
  const query = new URLSearchParams(q >= 0 ? url.slice(q + 1) : '');
  const pretty = query.get('_pretty') === 'true';
  try {
    if (!FHIR_METHODS.has(req.method)) throw methodNotAllowed(`Method ${req.method} is not supported`);
    negotiate(query, req.headers.accept);
    const hasBody = req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH';
    const request: FhirRequest = {
      method: req.method as FhirRequest['method'],
      path: (q >= 0 ? url.slice(0, q) : url).replace(/^\/+/, ''),
      query,
      headers: req.headers as Record<string, string | undefined>,
      body: hasBody ? await readBody(req, ctx.config.maxBodyBytes, reserve(budget, res), bodyLimits) : undefined,
    };
    const caller = await callerOf(req);
    const response = await router.handle(openRequestContext(ctx, caller, res.locals.requestId as string, req.socket.remoteAddress), request);
    if (!pretty && req.method !== 'HEAD' && response.rawBody === undefined && isLargeBundle(response.body)) {
      await sendBundleStreamed(res, response.status, response.headers, response.body);
      return;
    }
    sendFhir(res, response.status, response.headers, response.rawBody === undefined || pretty ? response.body : undefined, pretty, req.method === 'HEAD', response.rawBody);
  } catch (err) {
    if (clientAborted(req, res)) {
      // Nobody is left to answer: an abort is the client's choice, not a server fault, so no error and no stack.
      ctx.logger.info({ reqId: res.locals.requestId, method: req.method }, 'client aborted the request');
      res.destroy();
      return;
    }
    if (!req.complete) res.setHeader('Connection', 'close');
    sendError(res, err, ctx.logger, pretty);
  }
}

/** A share of the body budget for this request, held until its answer is sent or the connection drops. */
function reserve(budget: BodyBudget, res: Response): BodyReservation {
  const reservation = new BodyReservation(budget);
  res.once('close', () => reservation.release());
  return reservation;
}

/** Whether the client closed its connection before the request was read or answered. */
function clientAborted(req: Request, res: Response): boolean {
  return res.destroyed || (req.destroyed && !req.complete);
}
