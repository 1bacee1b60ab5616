import type { AccessPolicy, AccessRoute, Confinement } from '../fhir/rest/access-policy';
import type { Caller } from '../fhir/rest/caller';
import type { RequestContext } from '../fhir/rest/request-context';
import type { RouteParams } from '../fhir/rest/router';
import { parseSearch } from '../fhir/rest/search-parsing';
import type { ServerContext } from '../fhir/rest/server-context';
import { patientCompartments } from '../fhir/search/patient-compartment';
import type { SearchFilter } from '../fhir/search/search-request';
import { ScopePolicy } from '../auth/scope-policy';
import { FhirError, issue } from '../kernel/errors';
import { CareRelationshipIndex } from './care-relationships';
import { ConfinedStore, type ConfinedView, type VisiblePatients } from './confined-store';
import { isMasked, MASKED_TOKEN } from './masking';
import { PatientIdentities } from './patient-identities';

/** Purpose of use of an emergency access (HL7 v3 PurposeOfUse): break-the-glass. */
export const BREAK_THE_GLASS = 'ETREAT';

/**
 * The one access decision of SMART authorization, for every request the router dispatches (fast paths and
 * Bundle entries included), and the function later domains call for what they serve:
 * 1. a request whose token was not good answers 401 (`invalid_token`);
 * 2. the granted scopes must cover the route (ScopePolicy: 401 without scopes, 403 otherwise);
 * 3. what the route then reaches is confined by the context of the covering grants:
 *    - `patient/` grants (and `user/` grants of a patient's own account): the compartments of that patient
 *      and of its linked records;
 *    - `user/` grants of a professional (fhirUser Practitioner): the patients in their care
 *      (care-relationships.ts) and the EHR launch's patient, less those who opposed them (Consent) and less
 *      what is masked from professionals; with break-the-glass (purpose of use ETREAT and a stated reason)
 *      every patient, still less the opposed ones and the masked records unless
 *      `breakTheGlassOverridesConsent`;
 *    - `system/` grants: the client's as given.
 */
export class AccessDecision implements AccessPolicy {
  readonly open = false;
  private readonly scopes = new ScopePolicy();
  private readonly care: CareRelationshipIndex;
  private identities?: PatientIdentities;

  /** `server`: the context whose (unconfined) store relationships and linked records are looked up in. */
  constructor(private readonly server: () => ServerContext) {
    this.care = new CareRelationshipIndex(server);
  }

  authorize(ctx: RequestContext, route: AccessRoute, params: RouteParams): Confinement | void {
    const caller = ctx.caller;
    if (caller.tokenError !== undefined) {
      throw new FhirError(401, [issue('login', `The access token is not valid: ${caller.tokenError}`)], {
        'WWW-Authenticate': `Bearer error="invalid_token", error_description="${caller.tokenError.replace(/["\\]/g, '')}"`,
      });
    }
    const context = this.scopes.coveringContext(ctx, route, params);
    if (context === undefined || context === 'system') return;
    if (context === 'patient') return this.confine(this.patientView(caller.patient!));
    const user = caller.user ?? '';
    if (user.startsWith('Patient/')) return this.confine(this.patientView(user.slice('Patient/'.length)));
    if (!user.startsWith('Practitioner/')) {
      throw new FhirError(403, [issue('forbidden', 'user/ scopes need a signed-in professional or patient (fhirUser Practitioner or Patient)')]);
    }
    return this.confine(this.professionalView(ctx, caller, user));
  }

  private confine(view: ConfinedView): Confinement {
    return { confine: (store) => new ConfinedStore(store, view) };
  }

  private patientView(patient: string): ConfinedView {
    const server = this.server();
    this.identities ??= new PatientIdentities(server, server.clock);
    const identities = this.identities;
    let visible: Promise<VisiblePatients> | undefined;
    return {
      who: 'a patient-context token',
      compartments: patientCompartments(server.definitions, server.config.baseUrl),
      patients: () => (visible ??= identities.idsOf(patient).then((only) => ({ only }))),
    };
  }

  private professionalView(ctx: RequestContext, caller: Caller, practitioner: string): ConfinedView {
    const server = this.server();
    const breakTheGlass = caller.purposeOfUse.includes(BREAK_THE_GLASS) && (caller.breakTheGlassReason ?? '').trim() !== '';
    const overridesConsent = breakTheGlass && server.config.breakTheGlassOverridesConsent;
    let visible: Promise<VisiblePatients> | undefined;
    const patients = () =>
      (visible ??= this.care.of(practitioner).then((care): VisiblePatients => {
        const opposed = overridesConsent ? [] : [...care.opposedBy];
        if (breakTheGlass) return { except: opposed };
        const only = new Set(care.patients);
        if (caller.patient) only.add(caller.patient);
        for (const id of opposed) only.delete(id);
        return { only: [...only] };
      }));
    let masking: SearchFilter | undefined;
    return {
      who: 'this professional',
      compartments: patientCompartments(server.definitions, server.config.baseUrl),
      patients,
      ...(overridesConsent
        ? {}
        : {
            hides: isMasked,
            searchFilters: (types) => [(masking ??= parseSearch(ctx, types.length === 1 ? types[0] : undefined, new URLSearchParams({ '_security:not': MASKED_TOKEN })).request.filters[0])],
          }),
    };
  }
}
