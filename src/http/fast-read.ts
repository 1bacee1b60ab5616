import type { IncomingMessage, ServerResponse } from 'node:http';
import { openRequestContext } from '../fhir/rest/request-context';
import { versionUrl } from '../fhir/rest/resource-response';
import type { FhirRouter } from '../fhir/rest/router';
import type { ServerContext } from '../fhir/rest/server-context';
import type { CallerOf } from './caller-of';
import { confinedStore } from '../fhir/rest/access-policy';
import { auditRequest, settleAudit } from '../fhir/rest/audit-request';
import { httpDate, weakEtag } from '../fhir/model/meta';
import { negotiate } from './negotiate';
import { fastAnswers } from './fast-answer';
import { requestIdOf } from './request-log';
import { writeJson } from '../kernel/json/write-json';

/** GET /fhir/Type/id with nothing else: no query, no trailing slash, no percent-encoding. */
const PLAIN_READ = /^\/fhir\/([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/;
const NO_QUERY = new URLSearchParams();
/** compression()'s threshold: bodies from this size may be compressed, so they take the general path. */
const COMPRESS_FROM = 1024;

/**
 * The hot path of a read by id, ahead of Express (see createHttpApp). It answers only the common case, a
 * plain `GET /fhir/Type/id` of a current resource, with the exact status, headers and bytes the general path
 * (requestLog, compression, router, read, sendFhir) gives; everything else (query, conditional headers, CORS,
 * unknown or deleted ids, a body compression would encode) goes on to the general path, unchanged.
 * The answer is the store's JSON text, sent with one writeHead + end, so one socket write.
 * Like every request, it is decided first: it opens the request's context and asks the access policy about
 * the router's own read route; a refusal goes on to the general path, which decides again and answers it.
 */
export function fastRead(ctx: ServerContext, router: FhirRouter, callerOf: CallerOf) {
  const answers = fastAnswers(ctx);
  const route = router.route('GET', ':type/:id');
  return (req: IncomingMessage, res: ServerResponse, onward: () => void): void => {
    let passed = false;
    const next = () => {
      if (passed) return;
      passed = true;
      onward();
    };
    if (!answers.enabled || route === undefined || req.method !== 'GET') return next();
    const m = PLAIN_READ.exec(req.url ?? '');
    if (m === null || !ctx.definitions.isResourceType(m[1])) return next();
    const h = req.headers;
    if (h['if-none-match'] !== undefined || h['if-modified-since'] !== undefined) return next();
    try {
      negotiate(NO_QUERY, h.accept);
    } catch {
      return next();
    }
    const start = performance.now();
    const requestId = requestIdOf(req);
    const params = { type: m[1], id: m[2] };
    callerOf(req).then((caller) => {
      const context = openRequestContext(ctx, caller, requestId, req.socket.remoteAddress);
      let store;
      try {
        store = confinedStore(context.store, context.access.authorize(context, route, params));
      } catch {
        return next();
      }
      return store.read(m[1], m[2]).then(async (record) => {
        if (record === undefined || record.deleted) return next();
        // A backend without the stored text (MongoDB) gets the same bytes sendFhir would write. `json` is
        // tested first: reading `resource` of an embedded record would parse it.
        const text = record.json ?? (record.resource === undefined ? undefined : writeJson(record.resource));
        if (text === undefined) return next();
        const length = Buffer.byteLength(text);
        if (length >= COMPRESS_FROM && h['accept-encoding'] !== undefined && h['accept-encoding'] !== '') return next();
        // Audited as the router audits, and answered only once the record is durable.
        auditRequest(context, route, params, { method: 'GET', path: `${m[1]}/${m[2]}`, query: NO_QUERY, headers: {} }, 200, [record]);
        await settleAudit(context);
        const headers = {
          ETag: weakEtag(record.versionId),
          'Last-Modified': httpDate(record.lastUpdated),
          'Content-Location': versionUrl(ctx, record),
        };
        answers.send(req, res, requestId, headers, text, start, length);
      });
    }).catch(() => next());
  };
}
