import type { Clock } from '../kernel/clock';
import type { ServerContext } from '../fhir/rest/server-context';
import { resolveIdentities } from '../imaging/linked-identities';

/** How long a patient's set of linked records is reused before it is looked up again. */
const TTL_MS = 10_000;
const MAX_CACHED = 10_000;

/**
 * The ids of a patient's records across facilities: the Patient itself and every record linked to it
 * (Patient.link, either direction). A patient-context token sees all of them. Cached briefly, so that a
 * token's requests do not walk the links each time; a new link is followed within TTL_MS.
 */
export class PatientIdentities {
  private readonly cache = new Map<string, { ids: Promise<readonly string[]>; until: number }>();

  constructor(private readonly server: ServerContext, private readonly clock: Clock) {}

  idsOf(patientId: string): Promise<readonly string[]> {
    const now = this.clock.now().getTime();
    const hit = this.cache.get(patientId);
    if (hit && hit.until > now) return hit.ids;
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    const ids = resolveIdentities(this.server, this.server.store, patientId).then(
      (found) => found.refs.map((ref) => ref.slice('Patient/'.length)),
      // An unknown or deleted Patient: the token still sees only that id (whatever is written for it).
      () => [patientId],
    );
    this.cache.set(patientId, { ids, until: now + TTL_MS });
    return ids;
  }
}
