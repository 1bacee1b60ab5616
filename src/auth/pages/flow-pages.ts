import type { WebResponse } from '../../kernel/web-route';
import { escapeHtml, form, htmlPage } from './html';
import { messages, type Locale } from './messages';
import { describeScope } from './scope-labels';

/** Where a page's form posts, and the fields it carries back (the flow's request id and CSRF token). */
export interface FormTarget {
  readonly action: string;
  readonly hidden: Readonly<Record<string, string>>;
}

export interface SignInPageInput {
  readonly locale: Locale;
  readonly clientName: string;
  readonly form: FormTarget;
  readonly failed?: boolean;
  readonly username?: string;
  /** The upstream OpenID provider's sign-in, when configured. */
  readonly upstreamHref?: string;
}

export function signInPage(input: SignInPageInput): WebResponse {
  const t = messages(input.locale);
  const fields =
    `<label for="username">${t.username}</label><input type="text" id="username" name="username" autocomplete="username" required value="${escapeHtml(input.username ?? '')}">` +
    `<label for="password">${t.password}</label><input type="password" id="password" name="password" autocomplete="current-password" required>` +
    `<button type="submit">${t.signIn}</button>`;
  const upstream = input.upstreamHref ? `<p>${t.or}</p><p><a href="${escapeHtml(input.upstreamHref)}">${t.upstream}</a></p>` : '';
  const body =
    `<h1>${t.signInTitle}</h1><p>${escapeHtml(t.signInLead(input.clientName))}</p>` +
    (input.failed ? `<p class="error" role="alert">${t.signInFailed}</p>` : '') +
    form(input.form.action, input.form.hidden, fields) + upstream;
  return htmlPage({ locale: input.locale, title: t.signInTitle, body, status: input.failed ? 401 : 200 });
}

/** A patient as the picker and the consent page show it. */
export interface PatientChoice {
  readonly id: string;
  readonly name: string;
  readonly birthDate?: string;
  readonly identifier?: string;
}

export function patientLabel(p: PatientChoice, locale: Locale): string {
  const t = messages(locale);
  return [p.name, p.birthDate ? `${t.born} ${p.birthDate}` : '', p.identifier ?? ''].filter((s) => s !== '').join(' · ');
}

export interface PatientPickerInput {
  readonly locale: Locale;
  readonly clientName: string;
  /** The search form (field `q`) and the choice form (field `patient`) post here. */
  readonly form: FormTarget;
  readonly query: string;
  readonly patients: readonly PatientChoice[];
  /** The signed-in user has no FHIR record: nobody can be offered. */
  readonly notLinked?: boolean;
}

export function patientPickerPage(input: PatientPickerInput): WebResponse {
  const t = messages(input.locale);
  const search = form(
    input.form.action,
    input.form.hidden,
    `<label for="q">${t.search}</label><input type="search" id="q" name="q" value="${escapeHtml(input.query)}"><button type="submit">${t.searchButton}</button>`,
  );
  const list = input.patients.length === 0
    ? `<p>${input.notLinked ? t.notLinked : t.noPatient}</p>`
    : `<div class="patients">${input.patients
        .map((p) => form(input.form.action, { ...input.form.hidden, patient: p.id }, `<button type="submit">${escapeHtml(patientLabel(p, input.locale))}</button>`))
        .join('')}</div>`;
  const body = `<h1>${t.pickerTitle}</h1><p>${escapeHtml(t.pickerLead(input.clientName))}</p>${search}${list}`;
  return htmlPage({ locale: input.locale, title: t.pickerTitle, body });
}

export interface ConsentPageInput {
  readonly locale: Locale;
  readonly clientName: string;
  readonly userName: string;
  readonly scopes: readonly string[];
  readonly patient?: PatientChoice;
  /** Posts `decision` = approve | deny. */
  readonly form: FormTarget;
  /** The app's origin: the approval is answered by a redirect there. */
  readonly redirectOrigin: string;
}

export function consentPage(input: ConsentPageInput): WebResponse {
  const t = messages(input.locale);
  const scopes = `<ul>${input.scopes.map((s) => `<li>${escapeHtml(describeScope(s, input.locale))} <small>${escapeHtml(s)}</small></li>`).join('')}</ul>`;
  const patient = input.patient ? `<p>${t.consentPatient} <strong>${escapeHtml(patientLabel(input.patient, input.locale))}</strong></p>` : '';
  const buttons = `<button type="submit" name="decision" value="approve">${t.approve}</button><button type="submit" name="decision" value="deny">${t.deny}</button>`;
  const body = `<h1>${t.consentTitle}</h1><p>${escapeHtml(t.consentLead(input.clientName, input.userName))}</p>${scopes}${patient}` +
    form(input.form.action, input.form.hidden, buttons);
  return htmlPage({ locale: input.locale, title: t.consentTitle, body, formOrigins: [input.redirectOrigin] });
}

/** A refusal that must not be redirected to the app (unknown client, unregistered redirect URI, lost flow). */
export function errorPage(locale: Locale, status: number, message: string): WebResponse {
  const t = messages(locale);
  return htmlPage({ locale, title: t.errorTitle, status, body: `<h1>${t.errorTitle}</h1><p>${t.errorLead}</p><p class="error">${escapeHtml(message)}</p>` });
}
