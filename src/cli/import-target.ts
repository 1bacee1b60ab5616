import type { Bundle, OperationOutcome } from '@medplum/fhirtypes';
import type { LucarneApp } from '../app';
import { LOCAL_OPERATOR } from '../fhir/rest/caller';
import { cloneJson } from '../kernel/json/clone-json';
import { writeJson } from '../kernel/json/write-json';

/** The answer to one submitted Bundle: HTTP status and body (a response Bundle or an OperationOutcome). */
export interface SubmitResult {
  status: number;
  body?: Bundle | OperationOutcome;
}

/** Where `lucarne import` sends its Bundles: this process's own engine, or a running server. */
export interface ImportTarget {
  submit(bundle: Bundle): Promise<SubmitResult>;
  close(): Promise<void>;
}

/** Runs each Bundle through the server's own router (validation, urn:uuid rewriting, one DB transaction). */
export function localTarget(app: LucarneApp): ImportTarget {
  return {
    async submit(bundle) {
      const response = await app.handle({
        method: 'POST',
        path: '',
        query: new URLSearchParams(),
        headers: { 'content-type': 'application/fhir+json', prefer: 'return=minimal' },
        // A copy: the engine rewrites references of the entries it plans in place, and importFiles replays
        // the same entries as a batch when a transaction fails.
        body: cloneJson(bundle),
      }, LOCAL_OPERATOR);
      return { status: response.status, body: response.body as SubmitResult['body'] };
    },
    close: () => app.close(),
  };
}

/** POSTs each Bundle to a running Lucarne (or any FHIR server) at `baseUrl`. */
export function remoteTarget(baseUrl: string): ImportTarget {
  return {
    async submit(bundle) {
      const response = await fetch(baseUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json', prefer: 'return=minimal' },
        body: writeJson(bundle),
      });
      const text = await response.text();
      let body: SubmitResult['body'];
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception', diagnostics: text.slice(0, 500) }] };
      }
      return { status: response.status, body };
    },
    close: async () => undefined,
  };
}
