import type { AuditSink } from '../../kernel/audit-sink';
import type { Clock } from '../../kernel/clock';
import type { WebRoute } from '../../kernel/web-route';
import type { LucarneClientAuthenticator } from '../clients/client-authenticator';
import { OAuthError } from '../contracts';
import { errorResponse, jsonResponse, readForm } from '../token-endpoint/oauth-response';
import { recordAuthEvent } from '../token-endpoint/token-audit';
import { LAUNCH_SECONDS, type LaunchContext, type LaunchContexts } from './launch-context';

export const LAUNCH_PATH = '/auth/launch';

const ID = /^[A-Za-z0-9.-]{1,64}$/;
const USER_REFERENCE = /^(?:Practitioner|PractitionerRole|Patient|RelatedPerson|Person)\/[A-Za-z0-9.-]{1,64}$/;

export interface LaunchRouteDeps {
  readonly authenticator: LucarneClientAuthenticator;
  readonly launches: LaunchContexts;
  readonly audit: AuditSink;
  readonly clock: Clock;
}

/**
 * POST /auth/launch: an EHR (a confidential client allowed to launch) registers the context of an EHR launch
 * and receives the opaque, single-use, five-minute `launch` value it passes to the app. Form fields:
 * `patient`, `encounter`, `fhir_context` (a JSON array of SMART fhirContext objects), `user` (the EHR user's
 * FHIR reference), `user_id` and `user_name` (who signed in at the EHR), `app` (the app's client_id, to bind
 * the launch to it) and `need_patient_banner` (true|false). The client authenticates as at the token endpoint.
 */
export function launchRoute(deps: LaunchRouteDeps): WebRoute {
  return {
    method: 'POST',
    path: LAUNCH_PATH,
    async handle(request) {
      let clientId: string | undefined;
      try {
        const form = readForm(request);
        const ehr = await deps.authenticator.authenticate(request, form, { allowPublic: false });
        clientId = ehr.clientId;
        if (!ehr.canLaunch || ehr.type === 'public') throw new OAuthError('unauthorized_client', 'this client may not register EHR launches', 403);
        const context = launchContextOf(form, ehr.clientId);
        const launch = await deps.launches.register(context);
        await recordAuthEvent(deps.audit, deps.clock, request, 'launch', 'launch-registered', {
          status: 200,
          clientId: context.appClientId ?? ehr.clientId,
          launchedBy: ehr.clientId,
          ...(context.user ? { subject: context.user.subject, ...(context.user.fhirUser ? { fhirUser: context.user.fhirUser } : {}) } : {}),
          ...(context.patient ? { patients: [`Patient/${context.patient}`] } : {}),
        });
        return jsonResponse(200, { launch, expires_in: LAUNCH_SECONDS });
      } catch (e) {
        const answer = errorResponse(e);
        const description = e instanceof OAuthError ? `${e.error}: ${e.description}` : 'server_error';
        await recordAuthEvent(deps.audit, deps.clock, request, 'launch', 'launch-refused', { status: answer.status, clientId, outcomeDescription: description.slice(0, 1000) }).catch(() => undefined);
        return answer;
      }
    },
  };
}

function launchContextOf(form: URLSearchParams, ehrClientId: string): LaunchContext {
  const invalid = (what: string) => new OAuthError('invalid_request', what, 400);
  const patient = form.get('patient') ?? undefined;
  if (patient !== undefined && !ID.test(patient)) throw invalid('patient must be a Patient id');
  const encounter = form.get('encounter') ?? undefined;
  if (encounter !== undefined && !ID.test(encounter)) throw invalid('encounter must be an Encounter id');
  const user = form.get('user') ?? undefined;
  if (user !== undefined && !USER_REFERENCE.test(user)) throw invalid('user must be a reference such as Practitioner/123');
  const userId = (form.get('user_id') ?? user)?.slice(0, 200);
  const app = form.get('app') ?? undefined;
  let fhirContext: object[] | undefined;
  const rawContext = form.get('fhir_context');
  if (rawContext !== null) {
    try {
      fhirContext = JSON.parse(rawContext) as object[];
    } catch {
      throw invalid('fhir_context must be JSON');
    }
    if (!Array.isArray(fhirContext) || fhirContext.some((c) => typeof c !== 'object' || c === null || Array.isArray(c)) || fhirContext.length > 20) {
      throw invalid('fhir_context must be an array of at most 20 objects');
    }
  }
  const banner = form.get('need_patient_banner');
  if (banner !== null && banner !== 'true' && banner !== 'false') throw invalid('need_patient_banner must be true or false');
  return {
    ehrClientId,
    ...(patient ? { patient } : {}),
    ...(encounter ? { encounter } : {}),
    ...(fhirContext ? { fhirContext } : {}),
    ...(userId
      ? { user: { subject: `ehr:${ehrClientId}#${userId}`, displayName: (form.get('user_name') ?? userId).slice(0, 200), ...(user ? { fhirUser: user } : {}) } }
      : {}),
    ...(app ? { appClientId: app.slice(0, 128) } : {}),
    ...(banner !== null ? { needPatientBanner: banner === 'true' } : {}),
  };
}
