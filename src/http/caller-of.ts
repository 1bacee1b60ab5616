import type { IncomingMessage } from 'node:http';
import { ANONYMOUS_CALLER, type Caller } from '../fhir/rest/caller';

/**
 * Who sent a request. There is no authentication yet, so every request is the anonymous caller (the open
 * access policy lets it do everything); SMART on FHIR will read the caller from the access token here.
 */
export function callerOf(_req: IncomingMessage): Caller {
  return ANONYMOUS_CALLER;
}
