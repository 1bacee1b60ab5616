import { randomBytes } from 'node:crypto';
import type { WebRequest, WebResponse } from '../../kernel/web-route';
import { errorPage } from '../pages/flow-pages';
import { pageLocale } from '../pages/messages';
import { cookieHeader, readCookie } from './cookies';
import { hashOf, sameToken, type PendingAuthorization, type PendingAuthorizations } from './pending-authorizations';

export const BROWSER_COOKIE = 'lucarne_browser';

export interface BrowserBinding {
  /** Hash of the browser cookie's value, as pending flows record it. */
  readonly browser: string;
  /** Set-Cookie for a browser that had no cookie yet. */
  readonly setCookie?: string;
}

/** The browser's identity cookie, created on its first authorization request. */
export function bindBrowser(request: Pick<WebRequest, 'headers'>, cookie: { secure: boolean; path: string }): BrowserBinding {
  const existing = readCookie(request.headers.cookie, BROWSER_COOKIE);
  if (existing && /^[A-Za-z0-9_-]{32,64}$/.test(existing)) return { browser: hashOf(existing) };
  const value = randomBytes(32).toString('base64url');
  return { browser: hashOf(value), setCookie: cookieHeader(BROWSER_COOKIE, value, cookie) };
}

/** The form of a page of the flow (application/x-www-form-urlencoded), or undefined when the body is not one. */
export function pageForm(request: WebRequest): URLSearchParams | undefined {
  const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  return type === 'application/x-www-form-urlencoded' ? new URLSearchParams(request.body) : undefined;
}

/**
 * The pending flow a form post continues, once the CSRF defences hold: the post comes from this server's
 * own pages (Origin, when the browser sends it), from the browser that started the flow (its SameSite
 * cookie, which another site's form does not carry), and carries the flow's CSRF token. Otherwise the
 * refusal page.
 */
export async function continuedFlow(
  request: WebRequest,
  params: URLSearchParams,
  pendings: PendingAuthorizations,
  ownOrigin: string,
): Promise<PendingAuthorization | WebResponse> {
  const locale = pageLocale(request);
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== 'null' && origin !== ownOrigin) return errorPage(locale, 403, 'cross-site request refused');
  const pending = await pendings.get(params.get('request') ?? '');
  if (!pending) return errorPage(locale, 400, 'this authorization request is unknown or has expired: start again from the application');
  const cookie = readCookie(request.headers.cookie, BROWSER_COOKIE);
  const csrf = params.get('csrf') ?? '';
  if (!cookie || hashOf(cookie) !== pending.browser || !sameToken(csrf, pending.csrf)) {
    return errorPage(pending.locale, 403, 'this form was not sent from the authorization page of this browser (CSRF protection)');
  }
  return pending;
}
