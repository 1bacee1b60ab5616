/** The hidden fields of the first form of a page whose action ends with `path` (for driving the sign-in pages without a browser). */
export function formFields(html: string, path: string): Record<string, string> {
  const unescape = (s: string) => s.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));
  const forms = html.split('<form').slice(1);
  const form = forms.find((f) => unescape(/action="([^"]*)"/.exec(f)?.[1] ?? '').endsWith(path));
  if (!form) throw new Error(`no form posting to ${path} in: ${html.slice(0, 400)}`);
  const fields: Record<string, string> = {};
  for (const m of form.split('</form>')[0].matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) fields[unescape(m[1])] = unescape(m[2]);
  return fields;
}
