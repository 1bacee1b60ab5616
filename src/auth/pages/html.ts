import { createHash } from 'node:crypto';
import type { WebResponse } from '../../kernel/web-route';
import type { Locale } from './messages';

const STYLE = `body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#1b1b1b}
h1{font-size:1.4rem}form{margin:1rem 0}label{display:block;margin:.6rem 0 .2rem}
input[type=text],input[type=password],input[type=search]{width:100%;padding:.45rem;box-sizing:border-box}
button{padding:.5rem 1rem;margin:.6rem .4rem 0 0}.error{color:#a00000}ul{padding-left:1.2rem}
.patients button{display:block;width:100%;text-align:left}small{color:#555}`;

/** The stylesheet's hash, so that the CSP allows this one inline style and nothing else. */
const STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A form posting to `action`, carrying `hidden` fields (the request id, the CSRF token), around `inner` HTML. */
export function form(action: string, hidden: Readonly<Record<string, string>>, inner: string, method: 'post' | 'get' = 'post'): string {
  const fields = Object.entries(hidden)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('');
  return `<form method="${method}" action="${escapeHtml(action)}">${fields}${inner}</form>`;
}

export interface PageOptions {
  readonly locale: Locale;
  readonly title: string;
  /** Already-escaped HTML. */
  readonly body: string;
  readonly status?: number;
  /**
   * Origins a form of the page may end up at besides this server: a form answered by a redirect to the
   * app (the consent page) must name the app's origin, as browsers apply form-action to redirects.
   */
  readonly formOrigins?: readonly string[];
}

/**
 * A server-rendered page of the sign-in flow: never cached, never framed (click-jacking), no script at all,
 * its one stylesheet allowed by hash, forms only to this server (and the app's origin where stated).
 */
export function htmlPage(options: PageOptions): WebResponse {
  const formAction = ["'self'", ...(options.formOrigins ?? [])].join(' ');
  const csp = `default-src 'none'; style-src ${STYLE_HASH}; img-src 'self'; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`;
  const html = `<!DOCTYPE html><html lang="${options.locale}"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(options.title)}</title>` +
    `<style>${STYLE}</style></head><body>${options.body}</body></html>`;
  return {
    status: options.status ?? 200,
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': csp,
      'X-Frame-Options': 'DENY',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
      Pragma: 'no-cache',
    },
    body: html,
  };
}
