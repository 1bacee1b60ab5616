/**
 * Signs in at oidc-provider's development interactions the way a browser would: follows redirects by
 * hand with a cookie jar, submits the login form (any password) and the consent form, and stops at the
 * first redirect to `redirectUri`, whose URL it returns (with code, state and iss, or an error).
 */
export async function signInAsBrowser(authorizationUrl: string, redirectUri: string, login: string, options: { abort?: boolean } = {}): Promise<URL> {
  const jar = new CookieJar();
  let request: { url: URL; form?: URLSearchParams } = { url: new URL(authorizationUrl) };
  for (let step = 0; step < 20; step++) {
    const res = await fetch(request.url, {
      method: request.form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: { cookie: jar.header(request.url), ...(request.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(request.form ? { body: request.form.toString() } : {}),
    });
    jar.store(request.url, res.headers.getSetCookie());
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      const next = new URL(location, request.url);
      await res.body?.cancel();
      if (next.toString().startsWith(redirectUri)) return next;
      request = { url: next };
      continue;
    }
    const page = await res.text();
    if (res.status !== 200) throw new Error(`the provider answered ${res.status}: ${textOf(page)}`);
    const form = formOf(page, request.url);
    if (!form) throw new Error(`no form on the provider's page: ${textOf(page)}`);
    if (options.abort) {
      const abort = /href="([^"]*\/abort)"/.exec(page);
      if (!abort) throw new Error('no abort link on the provider\'s page');
      request = { url: new URL(decodeEntities(abort[1]), request.url) };
      continue;
    }
    const prompt = form.fields.get('prompt');
    if (prompt === 'login') {
      form.fields.set('login', login);
      form.fields.set('password', 'any password will do');
    } else if (prompt !== 'consent') {
      throw new Error(`unexpected prompt ${prompt}`);
    }
    request = { url: form.action, form: form.fields };
  }
  throw new Error('too many steps before reaching the redirect URI');
}

function formOf(page: string, base: URL): { action: URL; fields: URLSearchParams } | undefined {
  const form = /<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/.exec(page);
  if (!form) return undefined;
  const fields = new URLSearchParams();
  for (const input of form[2].matchAll(/<input[^>]*>/g)) {
    const name = /name="([^"]*)"/.exec(input[0]);
    const value = /value="([^"]*)"/.exec(input[0]);
    if (name) fields.set(name[1], value ? decodeEntities(value[1]) : '');
  }
  return { action: new URL(decodeEntities(form[1]), base), fields };
}

/** The visible text of an error page, for the failure message. */
function textOf(page: string): string {
  return decodeEntities(page.replace(/<style[\s\S]*?<\/style>/g, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ')).slice(0, 600);
}

function decodeEntities(text: string): string {
  return text.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}

/** Cookies by name and path (one host: the provider's), enough for oidc-provider's interaction cookies. */
class CookieJar {
  private readonly cookies = new Map<string, { value: string; path: string }>();

  header(url: URL): string {
    return [...this.cookies.entries()]
      .filter(([, c]) => url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`))
      .map(([key, c]) => `${key.split('\0')[0]}=${c.value}`)
      .join('; ');
  }

  store(url: URL, setCookies: string[]): void {
    for (const line of setCookies) {
      const [pair, ...attributes] = line.split(';').map((part) => part.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const attribute = (key: string) => attributes.find((a) => a.toLowerCase().startsWith(`${key}=`))?.slice(key.length + 1);
      const path = attribute('path') ?? url.pathname.replace(/\/[^/]*$/, '') ?? '/';
      const expires = attribute('expires');
      const maxAge = attribute('max-age');
      const gone = value === '' || (maxAge !== undefined && Number(maxAge) <= 0) || (expires !== undefined && Date.parse(expires) <= Date.now());
      const key = `${name}\0${path}`;
      if (gone) this.cookies.delete(key);
      else this.cookies.set(key, { value, path: path || '/' });
    }
  }
}
