import type { AccessPolicy, AccessRoute, Confinement } from '../fhir/rest/access-policy';
import type { RequestContext } from '../fhir/rest/request-context';
import type { RouteParams } from '../fhir/rest/router';
import type { ServerContext } from '../fhir/rest/server-context';
import { patientCompartments } from '../fhir/search/patient-compartment';
import { ScopePolicy } from '../auth/scope-policy';
import { FhirError, issue } from '../kernel/errors';
import { PatientConfinedStore } from './patient-confinement';
import { PatientIdentities } from './patient-identities';

/**
 * The one access decision of SMART authorization, for every request the router dispatches (fast paths and
 * Bundle entries included), and the function later domains call for what they serve:
 * 1. a request whose token was not good answers 401 (`invalid_token`);
 * 2. the granted scopes must cover the route (ScopePolicy: 401 without scopes, 403 otherwise);
 * 3. what the route then reaches is confined by the context of the covering grants: `patient/` grants to the
 *    compartments of the patient in context and its linked records (PatientConfinedStore); `system/` grants
 *    are the client's as given. `user/` grants are not yet narrowed by a care-relationship policy.
 */
export class AccessDecision implements AccessPolicy {
  readonly open = false;
  private readonly scopes = new ScopePolicy();
  private identities?: PatientIdentities;

  /** `server`: the context whose (unconfined) store the patient's linked records are looked up in. */
  constructor(private readonly server: () => ServerContext) {}

  authorize(ctx: RequestContext, route: AccessRoute, params: RouteParams): Confinement | void {
    const caller = ctx.caller;
    if (caller.tokenError !== undefined) {
      throw new FhirError(401, [issue('login', `The access token is not valid: ${caller.tokenError}`)], {
        'WWW-Authenticate': `Bearer error="invalid_token", error_description="${caller.tokenError.replace(/["\\]/g, '')}"`,
      });
    }
    const context = this.scopes.coveringContext(ctx, route, params);
    if (context !== 'patient' || caller.patient === undefined) return;
    const patient = caller.patient;
    const server = this.server();
    this.identities ??= new PatientIdentities(server, server.clock);
    const identities = this.identities;
    const compartments = patientCompartments(server.definitions, server.config.baseUrl);
    let ids: Promise<readonly string[]> | undefined;
    return { confine: (store) => new PatientConfinedStore(store, () => (ids ??= identities.idsOf(patient)), compartments) };
  }
}
