import type { AuditSink } from '../../kernel/audit-sink';
import type { Clock } from '../../kernel/clock';
import type { WebRequest, WebResponse } from '../../kernel/web-route';
import type { AuthUrls } from '../auth-urls';
import type { AuthenticatedUser, AuthorizationCodes, TokenGrant } from '../contracts';
import { consentPage, patientPickerPage, signInPage, type FormTarget } from '../pages/flow-pages';
import { recordAuthEvent } from '../token-endpoint/token-audit';
import { redirectWith } from './authorization-request';
import type { PatientFinder } from './patient-finder';
import type { PendingAuthorization, PendingAuthorizations } from './pending-authorizations';
import type { SignInSessions } from './sign-in-sessions';

export const FLOW_PATHS = {
  signIn: '/auth/authorize/sign-in',
  patient: '/auth/authorize/patient',
  consent: '/auth/authorize/consent',
  upstream: '/auth/authorize/upstream',
  upstreamCallback: '/auth/upstream/callback',
} as const;

export interface AuthorizeFlowDeps {
  readonly urls: AuthUrls;
  readonly pending: PendingAuthorizations;
  readonly sessions: SignInSessions;
  readonly patients: PatientFinder;
  readonly codes: AuthorizationCodes;
  readonly audit: AuditSink;
  readonly clock: Clock;
  /** Whether the client lets the EHR's signed-in user stand for the user (RegisteredClient.carriesLaunchUser). */
  carriesLaunchUser(clientId: string): Promise<boolean>;
  /** Whether an upstream OpenID provider is configured (the sign-in page then offers it). */
  readonly upstream: boolean;
}

/** A redirect answering the flow: 303 after a form post (the browser then GETs the app's URI), 302 otherwise. */
export function redirectTo(location: string, request: Pick<WebRequest, 'method'>, headers: Record<string, string | string[]> = {}): WebResponse {
  return { status: request.method === 'POST' ? 303 : 302, headers: { Location: location, 'Cache-Control': 'no-store', ...headers } };
}

/**
 * The steps of an authorization after its request is checked: who the user is (the EHR's user when the
 * client accepts it, else the browser's session, else the sign-in page), which patient (the launch's, the
 * patient's own record, else the picker), then the consent page. Each step's page posts back to the flow
 * with its id and CSRF token; `advance` picks up wherever the flow is.
 */
export function createAuthorizeFlow(deps: AuthorizeFlowDeps) {
  const formOf = (pending: PendingAuthorization, path: string): FormTarget => ({
    action: deps.urls.url(path),
    hidden: { request: pending.id, csrf: pending.csrf },
  });

  function needsPatient(pending: PendingAuthorization): boolean {
    if (pending.launch?.patient || pending.patient) return false;
    return pending.scopes.includes('launch/patient') || pending.scopes.some((s) => s.startsWith('patient/'));
  }

  async function identify(pending: PendingAuthorization, request: WebRequest): Promise<PendingAuthorization> {
    if (pending.user) return pending;
    const launchUser = pending.launch?.user;
    if (launchUser && (await deps.carriesLaunchUser(pending.clientId))) return { ...pending, user: launchUser };
    const session = await deps.sessions.of(request);
    return session ? { ...pending, user: session.user, sessionId: session.id } : pending;
  }

  async function choosePatient(pending: PendingAuthorization, user: AuthenticatedUser): Promise<PendingAuthorization> {
    if (!needsPatient(pending) || !user.fhirUser?.startsWith('Patient/')) return pending;
    // A patient's own account: their record is the only one to open.
    const own = await deps.patients.get(user, pending.clientId, user.fhirUser.slice('Patient/'.length));
    return own ? { ...pending, patient: own } : pending;
  }

  return {
    /** Shows the flow's next page, or answers the app when nothing is left to ask. */
    async advance(start: PendingAuthorization, request: WebRequest, extraHeaders: Record<string, string | string[]> = {}): Promise<WebResponse> {
      let pending = await identify(start, request);
      const user = pending.user;
      if (!user) {
        await deps.pending.update(pending);
        return withHeaders(
          signInPage({
            locale: pending.locale,
            clientName: pending.clientName,
            form: formOf(pending, FLOW_PATHS.signIn),
            ...(deps.upstream ? { upstreamHref: `${deps.urls.url(FLOW_PATHS.upstream)}?${new URLSearchParams({ request: pending.id, csrf: pending.csrf })}` } : {}),
          }),
          extraHeaders,
        );
      }
      pending = await choosePatient(pending, user);
      await deps.pending.update(pending);
      if (needsPatient(pending)) return withHeaders(await this.pickerPage(pending, user, ''), extraHeaders);
      return withHeaders(
        consentPage({
          locale: pending.locale,
          clientName: pending.clientName,
          userName: user.displayName,
          scopes: pending.scopes,
          ...(pending.patient ? { patient: pending.patient } : {}),
          form: formOf(pending, FLOW_PATHS.consent),
          redirectOrigin: new URL(pending.redirectUri).origin,
        }),
        extraHeaders,
      );
    },

    async pickerPage(pending: PendingAuthorization, user: AuthenticatedUser, query: string): Promise<WebResponse> {
      const found = await deps.patients.search(user, pending.clientId, query);
      return patientPickerPage({
        locale: pending.locale,
        clientName: pending.clientName,
        form: formOf(pending, FLOW_PATHS.patient),
        query,
        patients: found.patients,
        notLinked: found.notLinked,
      });
    },

    /** The user's decision on the consent page: a code for the app, or access_denied. */
    async decide(pending: PendingAuthorization, approved: boolean, request: WebRequest): Promise<WebResponse> {
      const user = pending.user;
      const base = { clientId: pending.clientId, subject: user?.subject, fhirUser: user?.fhirUser, launchedBy: pending.launch?.ehrClientId };
      const patient = pending.launch?.patient ?? pending.patient?.id;
      const patients = patient ? [`Patient/${patient}`] : undefined;
      if (!approved || !user) {
        await recordAuthEvent(deps.audit, deps.clock, request, 'token', 'authorization-denied', { ...base, status: 403, outcomeDescription: 'the user denied the authorization', ...(patients ? { patients } : {}) });
        return redirectTo(redirectWith(pending.redirectUri, { error: 'access_denied', error_description: 'the user denied the authorization', state: pending.state }), request);
      }
      const launch = pending.launch;
      const grant: Omit<TokenGrant, 'family'> = {
        clientId: pending.clientId,
        scopes: pending.scopes,
        subject: user.subject,
        ...(user.fhirUser ? { fhirUser: user.fhirUser } : {}),
        ...(patient ? { patient } : {}),
        ...(launch?.encounter ? { encounter: launch.encounter } : {}),
        ...(launch?.fhirContext ? { fhirContext: launch.fhirContext } : {}),
        // An EHR shows its own banner; a standalone app must show the patient it opened.
        ...(patient ? { needPatientBanner: launch ? (launch.needPatientBanner ?? false) : true } : {}),
        ...(launch ? { launchedBy: launch.ehrClientId } : {}),
      };
      const code = await deps.codes.issue({
        clientId: pending.clientId,
        redirectUri: pending.redirectUri,
        codeChallenge: pending.codeChallenge,
        grant,
        ...(pending.nonce ? { nonce: pending.nonce } : {}),
        ...(pending.sessionId ? { sessionId: pending.sessionId } : {}),
      });
      await recordAuthEvent(deps.audit, deps.clock, request, 'token', 'authorization-approved', {
        ...base,
        status: 200,
        outcomeDescription: `authorization_code: ${pending.scopes.join(' ')}`.slice(0, 1000),
        ...(patients ? { patients } : {}),
      });
      return redirectTo(redirectWith(pending.redirectUri, { code, state: pending.state }), request);
    },
  };
}

export type AuthorizeFlow = ReturnType<typeof createAuthorizeFlow>;

function withHeaders(response: WebResponse, headers: Record<string, string | string[]>): WebResponse {
  if (Object.keys(headers).length === 0) return response;
  return { ...response, headers: { ...response.headers, ...headers } };
}
