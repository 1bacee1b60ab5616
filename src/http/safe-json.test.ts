import { FhirError } from '../kernel/errors';
import { MAX_JSON_DEPTH, parseSafeJson } from './safe-json';

function status(text: string): number | 'ok' {
  try {
    parseSafeJson(text);
    return 'ok';
  } catch (err) {
    if (err instanceof FhirError) return err.status;
    throw err;
  }
}

describe('parseSafeJson', () => {
  it('parses ordinary JSON, brackets inside strings do not count as depth', () => {
    expect(parseSafeJson('{"a":[1,{"b":"[[[{{{"}]}')).toEqual({ a: [1, { b: '[[[{{{' }] });
    expect(status(`{"s":"${'['.repeat(5000)}"}`)).toBe('ok');
    expect(status('{"s":"a\\"[[[[["}')).toBe('ok');
  });

  it('refuses nesting beyond the limit without overflowing the stack', () => {
    expect(status(`${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`)).toBe('ok');
    expect(status(`${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}`)).toBe(400);
    expect(status('['.repeat(1_000_000))).toBe(400);
  });

  it('refuses prototype keys at any depth, escaped or not, but not such words in values', () => {
    expect(status('{"__proto__":{"x":1}}')).toBe(400);
    expect(status('{"a":[{"constructor":1}]}')).toBe(400);
    expect(status('{"a":{"prototype":1}}')).toBe(400);
    expect(status('{"\\u005f_proto__":1}')).toBe(400);
    expect(status('{"text":"constructor of the __proto__ prototype"}')).toBe('ok');
  });

  it('tells escaped quotes from closing ones by the run of backslashes before them', () => {
    const deep = `${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}`;
    // "a\\" ends the string (an escaped backslash): the brackets after it count.
    expect(status(`{"s":"a\\\\","t":${deep}}`)).toBe(400);
    // "a\\\"[[[..." is still inside the string (an escaped quote): its brackets do not count.
    expect(status(`{"s":"a\\\\\\"${'['.repeat(MAX_JSON_DEPTH + 1)}"}`)).toBe('ok');
    expect(status(`{"s":"\\\\","t":"\\"","u":${deep}}`)).toBe(400);
    // An unterminated string: malformed, still 400.
    expect(status(`{"s":"abc\\"${deep}`)).toBe(400);
  });

  it('names where the first forbidden key is', () => {
    const where = (text: string) => {
      try {
        parseSafeJson(text);
        return undefined;
      } catch (err) {
        return [(err as FhirError).issues[0].diagnostics, (err as FhirError).issues[0].expression];
      }
    };
    expect(where('{"a":[{"b":1},{"constructor":1}]}')).toEqual(["Forbidden JSON key 'constructor'", ['a[1].constructor']]);
    expect(where('{"x":"\\u00e9","y":{"z":[{"prototype":{}}]}}')).toEqual(["Forbidden JSON key 'prototype'", ['y.z[0].prototype']]);
    expect(where('{"x":"\\u00e9","y":{"z":[{"prototypes":{}}]}}')).toBeUndefined();
  });

  it('refuses malformed JSON with 400', () => {
    expect(status('{"a":')).toBe(400);
    expect(status('')).toBe(400);
  });
});
