import { randomBytes } from 'node:crypto';
import type { AuditSink } from '../../kernel/audit-sink';
import type { Clock } from '../../kernel/clock';
import type { WebRequest, WebResponse, WebRoute } from '../../kernel/web-route';
import type { AuthUrls } from '../auth-urls';
import { AUTH_PATHS } from '../discovery/smart-configuration';
import type { ClientRegistry, PasswordSignIn, UpstreamSignIn } from '../contracts';
import type { LaunchContexts } from '../launch/launch-context';
import { errorPage, signInPage } from '../pages/flow-pages';
import { pageLocale } from '../pages/messages';
import { recordAuthEvent } from '../token-endpoint/token-audit';
import { AuthorizeError, checkAuthorizationRequest, redirectWith } from './authorization-request';
import { FLOW_PATHS, redirectTo, type AuthorizeFlow } from './authorize-flow';
import { bindBrowser, continuedFlow, pageForm } from './flow-guard';
import type { PatientFinder } from './patient-finder';
import type { PendingAuthorization, PendingAuthorizations } from './pending-authorizations';
import type { SignInSessions } from './sign-in-sessions';

export interface AuthorizeRoutesDeps {
  readonly urls: AuthUrls;
  readonly clients: ClientRegistry;
  readonly launches: LaunchContexts;
  readonly pending: PendingAuthorizations;
  readonly sessions: SignInSessions;
  readonly flow: AuthorizeFlow;
  readonly patients: PatientFinder;
  readonly passwords: PasswordSignIn;
  readonly upstream?: UpstreamSignIn;
  readonly audit: AuditSink;
  readonly clock: Clock;
  readonly cookie: { readonly secure: boolean; readonly path: string };
}

/** The authorization endpoint (GET and POST) and the pages of its flow: sign-in, patient picker, consent. */
export function authorizeRoutes(deps: AuthorizeRoutesDeps): WebRoute[] {
  const ownOrigin = new URL(deps.urls.issuer).origin;

  async function authorize(request: WebRequest): Promise<WebResponse> {
    const params = request.method === 'POST' ? pageForm(request) : request.query;
    const locale = pageLocale(request, params?.get('ui_locales'));
    if (!params) return errorPage(locale, 415, 'the authorization request must be a query or an application/x-www-form-urlencoded form');
    try {
      const checked = await checkAuthorizationRequest(params, deps.clients, deps.urls);
      const back = { uri: checked.redirectUri, state: checked.state };
      let launch;
      if (checked.launch !== undefined) {
        launch = await deps.launches.consume(checked.launch);
        if (!launch) throw new AuthorizeError('invalid_request', 'the launch value is unknown, expired or already used', back);
        if (launch.appClientId !== undefined && launch.appClientId !== checked.client.clientId) {
          throw new AuthorizeError('invalid_request', 'the launch was registered for another application', back);
        }
      }
      const binding = bindBrowser(request, deps.cookie);
      const pending = await deps.pending.create({
        browser: binding.browser,
        clientId: checked.client.clientId,
        clientName: checked.client.name,
        redirectUri: checked.redirectUri,
        state: checked.state,
        codeChallenge: checked.codeChallenge,
        scopes: checked.scopes,
        locale: pageLocale(request, checked.uiLocales),
        ...(checked.nonce ? { nonce: checked.nonce } : {}),
        ...(launch ? { launch } : {}),
      });
      return await deps.flow.advance(pending, request, binding.setCookie ? { 'Set-Cookie': binding.setCookie } : {});
    } catch (e) {
      if (!(e instanceof AuthorizeError)) throw e;
      await recordAuthEvent(deps.audit, deps.clock, request, 'token', 'authorization-refused', {
        status: 400,
        clientId: params.get('client_id')?.slice(0, 128) ?? undefined,
        outcomeDescription: `${e.error}: ${e.description}`.slice(0, 1000),
      });
      if (!e.redirect) return errorPage(locale, 400, e.description);
      return redirectTo(redirectWith(e.redirect.uri, { error: e.error, error_description: e.description, state: e.redirect.state }), request);
    }
  }

  /** A post of one of the flow's pages: the pending flow, checked against CSRF, and its form. */
  async function flowPost(request: WebRequest, step: (pending: PendingAuthorization, form: URLSearchParams) => Promise<WebResponse>): Promise<WebResponse> {
    const form = pageForm(request);
    if (!form) return errorPage(pageLocale(request), 415, 'expected a form');
    const pending = await continuedFlow(request, form, deps.pending, ownOrigin);
    if (!('id' in pending)) return pending;
    return step(pending, form);
  }

  const signIn: WebRoute = {
    method: 'POST',
    path: FLOW_PATHS.signIn,
    handle: (request) =>
      flowPost(request, async (pending, form) => {
        const username = (form.get('username') ?? '').slice(0, 200);
        const user = await deps.passwords.signIn(username, (form.get('password') ?? '').slice(0, 1024), request.remoteAddress);
        if (!user) {
          await recordAuthEvent(deps.audit, deps.clock, request, 'sign-in', 'sign-in-failed', { status: 401, clientId: pending.clientId, subject: `local:${username}`, outcomeDescription: 'wrong credentials or locked account' });
          return signInPage({
            locale: pending.locale,
            clientName: pending.clientName,
            form: { action: deps.urls.url(FLOW_PATHS.signIn), hidden: { request: pending.id, csrf: pending.csrf } },
            failed: true,
            username,
          });
        }
        return signedIn(request, pending, user);
      }),
  };

  async function signedIn(request: WebRequest, pending: PendingAuthorization, user: NonNullable<PendingAuthorization['user']>): Promise<WebResponse> {
    const { session, cookie } = await deps.sessions.start(user);
    await recordAuthEvent(deps.audit, deps.clock, request, 'sign-in', 'sign-in', { status: 200, clientId: pending.clientId, subject: user.subject, ...(user.fhirUser ? { fhirUser: user.fhirUser } : {}) });
    return deps.flow.advance({ ...pending, user, sessionId: session.id }, request, { 'Set-Cookie': cookie });
  }

  const patient: WebRoute = {
    method: 'POST',
    path: FLOW_PATHS.patient,
    handle: (request) =>
      flowPost(request, async (pending, form) => {
        const user = pending.user;
        if (!user) return deps.flow.advance(pending, request);
        const chosen = form.get('patient');
        if (chosen === null) return deps.flow.pickerPage(pending, user, form.get('q') ?? '');
        // A chosen id is read again as the user: a forged choice of a patient they may not see is refused.
        const found = await deps.patients.get(user, pending.clientId, chosen);
        if (!found) return deps.flow.pickerPage(pending, user, '');
        return deps.flow.advance({ ...pending, patient: found }, request);
      }),
  };

  const consent: WebRoute = {
    method: 'POST',
    path: FLOW_PATHS.consent,
    handle: (request) =>
      flowPost(request, async (pending, form) => {
        if (!pending.user) return deps.flow.advance(pending, request);
        const decision = form.get('decision');
        if (decision !== 'approve' && decision !== 'deny') return errorPage(pending.locale, 400, 'decision must be approve or deny');
        // One decision per request: a second post of the same form finds the flow gone.
        if (!(await deps.pending.finish(pending.id))) return errorPage(pending.locale, 400, 'this authorization request was already answered');
        return deps.flow.decide(pending, decision === 'approve', request);
      }),
  };

  const routes: WebRoute[] = [
    { method: 'GET', path: AUTH_PATHS.authorize, handle: authorize },
    { method: 'POST', path: AUTH_PATHS.authorize, handle: authorize },
    signIn,
    patient,
    consent,
  ];
  if (deps.upstream) routes.push(...upstreamRoutes(deps, deps.upstream, ownOrigin, signedIn));
  return routes;
}

/** Sign-in at the upstream OpenID provider: out with a fresh state and nonce, back at the callback. */
function upstreamRoutes(
  deps: AuthorizeRoutesDeps,
  upstream: UpstreamSignIn,
  ownOrigin: string,
  signedIn: (request: WebRequest, pending: PendingAuthorization, user: NonNullable<PendingAuthorization['user']>) => Promise<WebResponse>,
): WebRoute[] {
  const callbackUri = deps.urls.url(FLOW_PATHS.upstreamCallback);
  return [
    {
      method: 'GET',
      path: FLOW_PATHS.upstream,
      async handle(request) {
        const pending = await continuedFlow(request, request.query, deps.pending, ownOrigin);
        if (!('id' in pending)) return pending;
        const flow = { state: randomBytes(24).toString('base64url'), nonce: randomBytes(24).toString('base64url') };
        await deps.pending.update({ ...pending, upstream: flow });
        await deps.pending.indexUpstream(flow.state, pending.id);
        return redirectTo(await upstream.authorizationUrl(callbackUri, flow.state, flow.nonce), request);
      },
    },
    {
      method: 'GET',
      path: FLOW_PATHS.upstreamCallback,
      async handle(request) {
        const locale = pageLocale(request);
        const id = await deps.pending.byUpstreamState(request.query.get('state') ?? '');
        const pending = id ? await deps.pending.get(id) : undefined;
        if (!pending?.upstream) return errorPage(locale, 400, 'this sign-in is unknown or has expired: start again from the application');
        const binding = bindBrowser(request, deps.cookie);
        if (binding.browser !== pending.browser) return errorPage(pending.locale, 403, 'this sign-in was started in another browser');
        try {
          const user = await upstream.complete(request.query, callbackUri, pending.upstream.nonce);
          const { upstream: _done, ...rest } = pending;
          return await signedIn(request, rest, user);
        } catch (e) {
          await recordAuthEvent(deps.audit, deps.clock, request, 'sign-in', 'sign-in-failed', { status: 401, clientId: pending.clientId, outcomeDescription: `upstream: ${e instanceof Error ? e.message : 'failed'}`.slice(0, 1000) });
          return errorPage(pending.locale, 401, 'the sign-in at the identity provider did not succeed');
        }
      },
    },
  ];
}
