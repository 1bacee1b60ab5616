import { readJson } from './read-json';
import { withRawMember } from './raw-member';
import { writeJson } from './write-json';

const TEXT = '{"resourceType":"Bundle","total":2,"entry":[{"resource":{"valueDecimal":12.80}}]}';

describe('withRawMember', () => {
  it('writes the member as its text, verbatim, in key order, without parsing it', () => {
    const entry = withRawMember<Record<string, unknown>>({ fullUrl: 'x' }, 'resource', TEXT);
    entry.response = { status: '200 OK' };
    expect(writeJson({ entry: [entry, entry] })).toBe(
      `{"entry":[{"fullUrl":"x","resource":${TEXT},"response":{"status":"200 OK"}},{"fullUrl":"x","resource":${TEXT},"response":{"status":"200 OK"}}]}`,
    );
    expect(Object.getOwnPropertyDescriptor(entry, 'resource')?.get).toBeDefined();
  });

  it('parses the text once when read, and then writes what the value has become', () => {
    const entry = withRawMember<{ resource?: { total: number } }>({}, 'resource', TEXT);
    expect(entry.resource?.total).toBe(2);
    entry.resource!.total = 3;
    expect(writeJson(entry)).toBe(TEXT.replace('"total":2', '"total":3').replace(/^/, '{"resource":').replace(/$/, '}'));
  });

  it('is parsed into indented output, and plain JSON.stringify sees the value', () => {
    const entry = withRawMember({}, 'resource', '{"a":1}');
    expect(writeJson(entry, 2)).toBe('{\n  "resource": {\n    "a": 1\n  }\n}');
    expect(JSON.stringify(withRawMember({}, 'resource', '{"a":[1,2]}'))).toBe('{"resource":{"a":[1,2]}}');
  });

  it('gives back a replaced value and keeps exact numbers of text and siblings', () => {
    const entry = withRawMember<Record<string, unknown>>({}, 'resource', '{"v":1.0}');
    expect(writeJson({ n: readJson('{"d":0.10}'), e: entry })).toBe('{"n":{"d":0.10},"e":{"resource":{"v":1.0}}}');
    entry.resource = { v: 2 };
    expect(writeJson(entry)).toBe('{"resource":{"v":2}}');
  });

  it('leaves strings that look like a marker alone', () => {
    const entry = withRawMember<Record<string, unknown>>({ s: '\\u0000R0' }, 'resource', '{}');
    expect(writeJson(entry)).toBe('{"s":"\\\\u0000R0","resource":{}}');
  });
});
