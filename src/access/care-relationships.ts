import type { Consent, PractitionerRole, Resource } from '@medplum/fhirtypes';
import type { ServerContext } from '../fhir/rest/server-context';
import { patientCompartments } from '../fhir/search/patient-compartment';
import { buildRequest, streamSearch, type QueryParams } from '../imaging/store-query';

/** Most patients one professional's care relationships gather (a confinement is an id list). */
export const MAX_CARE_PATIENTS = 5_000;
/** How long a professional's relationships are reused before they are looked up again. */
const TTL_MS = 30_000;
const MAX_CACHED = 2_000;

/** The patients a professional may see, and those who opposed them (consent), from the data. */
export interface CareRelationships {
  /** Patients in the care of the professional or of the organisations they work for. */
  readonly patients: ReadonlySet<string>;
  /** Patients whose active Consent denies access to this professional or one of their organisations. */
  readonly opposedBy: ReadonlySet<string>;
  /** `Organization/…` references the professional works for (PractitionerRole). */
  readonly organizations: readonly string[];
  /** True when MAX_CARE_PATIENTS was reached. */
  readonly truncated: boolean;
}

/**
 * A professional's care relationships, as the access policy of `user/` scopes defines them: a patient is in
 * their care when a CareTeam they belong to is the patient's; when they or an organisation they work for
 * (PractitionerRole) is the patient's general practitioner or managing organisation, ordered or performs an
 * exam for them (ServiceRequest requester / performer), reported on them (DiagnosticReport performer),
 * referred or performed an imaging study (ImagingStudy referrer / performer), or took part in or provided
 * an encounter. A patient whose active Consent denies the professional or one of their organisations is
 * listed apart, so the decision can refuse it even where break-the-glass would see everything else.
 */
export class CareRelationshipIndex {
  private readonly cache = new Map<string, { value: Promise<CareRelationships>; until: number }>();

  constructor(private readonly server: () => ServerContext) {}

  of(practitioner: string): Promise<CareRelationships> {
    const server = this.server();
    const now = server.clock.now().getTime();
    const hit = this.cache.get(practitioner);
    if (hit && hit.until > now) return hit.value;
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    const value = lookUp(server, practitioner);
    this.cache.set(practitioner, { value, until: now + TTL_MS });
    value.catch(() => this.cache.delete(practitioner));
    return value;
  }
}

async function lookUp(server: ServerContext, practitioner: string): Promise<CareRelationships> {
  const compartments = patientCompartments(server.definitions, server.config.baseUrl);
  const all = async function* (type: string, params: QueryParams): AsyncGenerator<Resource> {
    for await (const record of streamSearch(server.store, buildRequest(server, type, params), 200)) if (record.resource) yield record.resource;
  };
  const organizations = new Set<string>();
  for await (const role of all('PractitionerRole', { practitioner, active: 'true' })) {
    const org = (role as PractitionerRole).organization?.reference;
    if (org?.startsWith('Organization/')) organizations.add(org);
  }
  const orgs = [...organizations];
  const actors = [practitioner, ...orgs].join(',');
  const queries: [string, QueryParams][] = [
    ['CareTeam', { participant: practitioner }],
    ['Patient', { 'general-practitioner': actors }],
    ['ServiceRequest', { requester: actors }],
    ['ServiceRequest', { performer: actors }],
    ['DiagnosticReport', { performer: actors }],
    ['ImagingStudy', { referrer: practitioner }],
    ['ImagingStudy', { performer: actors }],
    ['Encounter', { participant: practitioner }],
    ...(orgs.length > 0 ? ([['Patient', { organization: orgs.join(',') }], ['Encounter', { 'service-provider': orgs.join(',') }]] as [string, QueryParams][]) : []),
  ];
  const patients = new Set<string>();
  let truncated = false;
  for (const [type, params] of queries) {
    for await (const resource of all(type, params)) {
      for (const id of compartments.patientsOf(resource)) patients.add(id);
      if (patients.size >= MAX_CARE_PATIENTS) {
        truncated = true;
        break;
      }
    }
    if (truncated) break;
  }
  const opposedBy = new Set<string>();
  for await (const resource of all('Consent', { actor: actors, status: 'active' })) {
    const consent = resource as Consent;
    const denied = consent.provision?.type === 'deny' && (consent.provision.actor ?? []).some((a) => {
      const ref = a.reference?.reference;
      return ref !== undefined && (ref === practitioner || organizations.has(ref));
    });
    const patient = consent.patient?.reference;
    if (denied && patient?.startsWith('Patient/')) opposedBy.add(patient.slice('Patient/'.length));
  }
  return { patients, opposedBy, organizations: orgs, truncated };
}
