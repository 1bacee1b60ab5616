import type { Patient } from '@medplum/fhirtypes';
import { gone, notFound } from '../kernel/errors';
import type { ServerContext } from '../fhir/rest/server-context';
import type { FhirStore, VersionRecord } from '../store/store';
import { buildRequest, localRef, readMany, streamSearch } from './store-query';

/** How many identities one record may gather; past it the walk stops (a mis-merged cluster must not explode). */
export const MAX_LINKED_IDENTITIES = 25;

export interface PatientIdentities {
  /** The patient the operation was called on. */
  patient: VersionRecord;
  /** Every other current Patient reachable through Patient.link, either direction, transitively. */
  linked: VersionRecord[];
  /** `Patient/<id>` of all of them, the requested one first. */
  refs: string[];
  /** True when the walk stopped at MAX_LINKED_IDENTITIES. */
  truncated: boolean;
}

/**
 * The requested Patient (404 unknown, 410 deleted) and every identity linked to it. All link types count
 * (seealso, refer, replaces, replaced-by): for an imaging record they all name the same person. Links are
 * followed forwards (this Patient's link.other) and backwards (Patient?link=...), one query per level.
 */
export async function resolveIdentities(ctx: ServerContext, store: FhirStore, id: string): Promise<PatientIdentities> {
  const patient = await store.read('Patient', id);
  if (!patient) throw notFound(`Patient/${id} is not known`);
  if (patient.deleted) throw gone(`Patient/${id} has been deleted`);

  const seen = new Map<string, VersionRecord>([[id, patient]]);
  let frontier: VersionRecord[] = [patient];
  let truncated = false;
  while (frontier.length > 0 && !truncated) {
    const forward = new Set<string>();
    for (const r of frontier) {
      for (const link of (r.resource as Patient).link ?? []) {
        const target = localRef(ctx, link.other?.reference);
        if (target?.type === 'Patient' && !seen.has(target.id)) forward.add(target.id);
      }
    }
    const found = forward.size > 0 ? await readMany(ctx, store, 'Patient', forward) : [];
    const reverse = buildRequest(ctx, 'Patient', { link: frontier.map((r) => `Patient/${r.id}`).join(',') });
    for await (const r of streamSearch(store, reverse, 100)) found.push(r);
    const next: VersionRecord[] = [];
    for (const r of found) {
      if (seen.has(r.id)) continue;
      if (seen.size >= MAX_LINKED_IDENTITIES) {
        truncated = true;
        break;
      }
      seen.set(r.id, r);
      next.push(r);
    }
    frontier = next;
  }
  const linked = [...seen.values()].slice(1);
  return { patient, linked, refs: [...seen.keys()].map((k) => `Patient/${k}`), truncated };
}
