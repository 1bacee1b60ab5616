import type { IncomingMessage } from 'node:http';
import { ANONYMOUS_CALLER, type Caller } from '../fhir/rest/caller';

/**
 * Who sent a request, from its Authorization header: the authorization server's bearer authentication
 * when it is installed, else the anonymous caller. A bad token is not an error here: it becomes a caller
 * carrying `tokenError`, which the access decision refuses (401) in the router, where it is audited.
 */
export type CallerOf = (req: IncomingMessage) => Promise<Caller>;

export type BearerCallers = (authorization: string | undefined) => Promise<Caller>;

export const anonymousCallers: CallerOf = async () => ANONYMOUS_CALLER;

/**
 * The header by which a professional states a break-the-glass access for one request: its value is the
 * reason (percent-encoded UTF-8 allowed), audited and shown to the patient. The access decision alone says
 * what it opens (nothing for a caller without a professional behind it).
 */
export const BREAK_THE_GLASS_HEADER = 'x-break-the-glass';
const MAX_REASON = 500;

export function callersFrom(bearer: BearerCallers): CallerOf {
  return async (req) => withBreakTheGlass(await bearer(req.headers.authorization), req.headers[BREAK_THE_GLASS_HEADER]);
}

/** The caller with purpose of use ETREAT and the stated reason, when the request states one. */
export function withBreakTheGlass(caller: Caller, header: string | string[] | undefined): Caller {
  const raw = Array.isArray(header) ? header[0] : header;
  if (raw === undefined || caller.tokenError !== undefined || caller.user === undefined) return caller;
  let reason = raw;
  try {
    reason = decodeURIComponent(raw);
  } catch {
    // not percent-encoded: taken as written
  }
  reason = [...reason].map((c) => (c < ' ' || c === '\u007f' ? ' ' : c)).join('').trim().slice(0, MAX_REASON);
  if (reason === '') return caller;
  return {
    ...caller,
    purposeOfUse: caller.purposeOfUse.includes('ETREAT') ? caller.purposeOfUse : [...caller.purposeOfUse, 'ETREAT'],
    breakTheGlassReason: reason,
  };
}
