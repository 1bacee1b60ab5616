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

export function callersFrom(bearer: BearerCallers): CallerOf {
  return (req) => bearer(req.headers.authorization);
}
