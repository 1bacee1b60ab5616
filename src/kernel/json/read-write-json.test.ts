import { FhirError } from '../errors';
import { cloneJson } from './clone-json';
import { exactText } from './exact-numbers';
import { readJson } from './read-json';
import { writeJson } from './write-json';

function status(text: string): number | 'ok' {
  try {
    readJson(text, { strict: true, maxDepth: 100 });
    return 'ok';
  } catch (err) {
    if (err instanceof FhirError) return err.status;
    throw err;
  }
}

const roundTrip = (text: string) => writeJson(readJson(text));

describe('readJson / writeJson', () => {
  it('writes back numbers exactly as written, wherever they sit', () => {
    const texts = [
      '{"a":12.80}',
      '{"a":0.10000000000000000000000001}',
      '{"a":18446744073709551616}',
      '{"a":1e-400}',
      '{"a":-0,"b":1E2,"c":1.0,"d":[1.50,2,"x",{"e":3.000}]}',
      '[0.10,{"a":[[1.0]]}]',
      '{"s":"12.80","t":"a\\"b","n":[1,2,3.5,-4,1e21]}',
    ];
    for (const text of texts) expect(roundTrip(text)).toBe(text);
  });

  it('keeps plain values plain: numbers are JS numbers, keys and JSON.stringify unchanged', () => {
    const value = readJson('{"a":{"value":12.80,"unit":"mg"}}') as { a: { value: number } };
    expect(value.a.value).toBe(12.8);
    expect(Object.keys(value.a)).toEqual(['value', 'unit']);
    expect(JSON.stringify(value)).toBe('{"a":{"value":12.8,"unit":"mg"}}');
    expect(exactText(value.a, 'value')).toBe('12.80');
  });

  it('survives object spreads, cloneJson, and drops a text once its slot holds another number', () => {
    const value = readJson('{"resourceType":"X","factor":1.50,"q":{"value":2.0}}') as Record<string, unknown>;
    expect(writeJson({ ...value, id: 'a' })).toBe('{"resourceType":"X","factor":1.50,"q":{"value":2.0},"id":"a"}');
    const copy = cloneJson(value);
    expect(writeJson(copy)).toBe('{"resourceType":"X","factor":1.50,"q":{"value":2.0}}');
    (copy.q as Record<string, unknown>).value = 3;
    expect(writeJson(copy)).toBe('{"resourceType":"X","factor":1.50,"q":{"value":3}}');
    expect(writeJson(value, 1)).toBe('{\n "resourceType": "X",\n "factor": 1.50,\n "q": {\n  "value": 2.0\n }\n}');
  });

  it('refuses duplicate keys, lone surrogates and U+0000 in strict mode only', () => {
    expect(status('{"resourceType":"Observation","resourceType":"Patient"}')).toBe(400);
    expect(status('{"a":{"x":1,"\\u0078":2}}')).toBe(400);
    const many = Array.from({ length: 40 }, (_, i) => `"k${i}":1`).join(',');
    expect(status(`{${many},"k3":2}`)).toBe(400);
    expect(status(`{${many}}`)).toBe('ok');
    expect(status('{"a":{"x":1},"b":{"x":1}}')).toBe('ok');
    expect(status('{"a":"\\ud800"}')).toBe(400);
    expect(status('{"a":"\\udc00x"}')).toBe(400);
    expect(status('{"a":"\\ud83d\\ude00"}')).toBe('ok');
    expect(status('{"a":"x\\u0000"}')).toBe(400);
    expect(readJson('{"a":1,"a":2}')).toEqual({ a: 2 });
  });

  it('never echoes control characters of a malformed body', () => {
    let message = '';
    try {
      readJson('\u001f\u008b\u0008\u0000{"a":1}');
    } catch (err) {
      message = (err as FhirError).message;
    }
    expect(message).toMatch(/^Malformed JSON/);
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    expect(message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });

  it('answers malformed JSON with 400, never loops', () => {
    for (const text of ['{"a":', '{"a":1,}', '[1 2]', '"abc', '{"a":"\\x"}', '}}}]]', '{"a":01}']) expect(status(text)).toBe(400);
  });
});
