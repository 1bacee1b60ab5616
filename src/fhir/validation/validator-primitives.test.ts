import { loadDefinitions } from '../conformance/definitions';
import { createValidator } from './create-validator';
import { MAX_STRING_LENGTH } from './primitive-formats';

const validator = createValidator(loadDefinitions());
const errors = (resource: unknown) =>
  validator
    .validate(resource)
    .filter((i) => i.severity === 'error')
    .map((i) => [i.code, i.expression?.[0]]);

/** Puts `value` in an element of the given primitive type and returns the errors. */
const cases: Record<string, (v: unknown) => [object, string]> = {
  id: (v) => [{ resourceType: 'Patient', id: v }, 'Patient.id'],
  date: (v) => [{ resourceType: 'Patient', birthDate: v }, 'Patient.birthDate'],
  dateTime: (v) => [{ resourceType: 'Patient', deceasedDateTime: v }, 'Patient.deceasedDateTime'],
  instant: (v) => [{ resourceType: 'Patient', meta: { lastUpdated: v } }, 'Patient.meta.lastUpdated'],
  time: (v) => [{ resourceType: 'Patient', extension: [{ url: 'u', valueTime: v }] }, 'Patient.extension[0].valueTime'],
  code: (v) => [{ resourceType: 'Patient', language: v }, 'Patient.language'],
  uri: (v) => [{ resourceType: 'Patient', implicitRules: v }, 'Patient.implicitRules'],
  url: (v) => [{ resourceType: 'Endpoint', status: 'active', connectionType: { code: 'x' }, payloadType: [{ text: 'x' }], address: v }, 'Endpoint.address'],
  canonical: (v) => [{ resourceType: 'Patient', meta: { profile: [v] } }, 'Patient.meta.profile[0]'],
  oid: (v) => [{ resourceType: 'Patient', extension: [{ url: 'u', valueOid: v }] }, 'Patient.extension[0].valueOid'],
  uuid: (v) => [{ resourceType: 'Patient', extension: [{ url: 'u', valueUuid: v }] }, 'Patient.extension[0].valueUuid'],
  base64Binary: (v) => [{ resourceType: 'Patient', photo: [{ data: v }] }, 'Patient.photo[0].data'],
  decimal: (v) => [{ resourceType: 'Patient', extension: [{ url: 'u', valueDecimal: v }] }, 'Patient.extension[0].valueDecimal'],
  integer: (v) => [{ resourceType: 'Patient', multipleBirthInteger: v }, 'Patient.multipleBirthInteger'],
  positiveInt: (v) => [{ resourceType: 'Patient', extension: [{ url: 'u', valuePositiveInt: v }] }, 'Patient.extension[0].valuePositiveInt'],
  unsignedInt: (v) => [{ resourceType: 'Patient', extension: [{ url: 'u', valueUnsignedInt: v }] }, 'Patient.extension[0].valueUnsignedInt'],
  boolean: (v) => [{ resourceType: 'Patient', active: v }, 'Patient.active'],
  markdown: (v) => [{ resourceType: 'Patient', extension: [{ url: 'u', valueMarkdown: v }] }, 'Patient.extension[0].valueMarkdown'],
  string: (v) => [{ resourceType: 'Patient', name: [{ family: v }] }, 'Patient.name[0].family'],
  xhtml: (v) => [{ resourceType: 'Patient', text: { status: 'generated', div: v } }, 'Patient.text.div'],
};

const XHTML = '<div xmlns="http://www.w3.org/1999/xhtml"><p>Hi</p></div>';
const valid: [string, unknown][] = [
  ['id', 'a-Z.0'], ['id', 'x'.repeat(64)],
  ['date', '2024'], ['date', '2024-02'], ['date', '2024-02-29'],
  ['dateTime', '2024-02-29T23:59:60.123+14:00'], ['dateTime', '2015-02-07T13:28:17Z'], ['dateTime', '1905'],
  ['instant', '2015-02-07T13:28:17.239+02:00'], ['time', '23:59:59'], ['time', '08:00:00.5'],
  ['code', 'final'], ['code', 'a b'], ['uri', 'urn:x:y'], ['url', 'https://example.org/fhir'],
  ['canonical', 'http://hl7.org/fhir/StructureDefinition/Patient|4.0.1'],
  ['oid', 'urn:oid:1.2.840.10008.1.2'], ['uuid', 'urn:uuid:c757873d-ec9a-4326-a141-556f43239520'],
  ['base64Binary', 'aGVsbG8='], ['decimal', 1.5], ['decimal', -0.001], ['integer', -2147483648], ['integer', 2147483647],
  ['positiveInt', 1], ['unsignedInt', 0], ['boolean', false], ['markdown', '# T\n\n*x*\t'], ['string', 'é\r\n\tü'],
  ['xhtml', XHTML],
];
const invalid: [string, unknown][] = [
  ['id', 'a_b'], ['id', 'x'.repeat(65)], ['id', ''], ['id', 12],
  ['date', '2024-13-01'], ['date', '2023-02-29'], ['date', '24-01-01'], ['date', '2024-01-01T00:00:00Z'], ['date', 'yesterday'],
  ['dateTime', '2024-01-01T10:00:00'], ['dateTime', '2024-01-01T25:00:00Z'], ['dateTime', '2024-04-31'],
  ['instant', '2024-01-01'], ['instant', '2024-01-01T10:00:00'],
  ['time', '24:00:00'], ['time', '10:00'],
  ['code', ' final'], ['code', 'a  b'], ['code', true],
  ['uri', 'has space'], ['url', 'http://x y'], ['canonical', ''],
  ['oid', '1.2.3'], ['oid', 'urn:oid:3.1'], ['uuid', 'urn:uuid:C757873D-EC9A-4326-A141-556F43239520'], ['uuid', 'c757873d-ec9a-4326-a141-556f43239520'],
  ['base64Binary', 'abc'], ['base64Binary', 'ab!d'],
  ['decimal', '1.5'], ['integer', 1.5], ['integer', 2147483648], ['integer', '1'],
  ['positiveInt', 0], ['unsignedInt', -1], ['boolean', 'false'], ['boolean', 0],
  ['string', 'a\u0000b'], ['string', 'bell\u0007'], ['string', 'x'.repeat(MAX_STRING_LENGTH + 1)], ['markdown', 5],
  ['xhtml', '<p>x</p>'], ['xhtml', '<div>no namespace</div>'],
];

describe('primitive formats', () => {
  it.each(valid)('accepts a valid %s %j', (type, value) => {
    const [resource] = cases[type](value);
    expect(errors(resource)).toEqual([]);
  });

  it.each(invalid)('rejects an invalid %s %j at its path', (type, value) => {
    const [resource, path] = cases[type](value);
    // A JSON number an integer type cannot hold is a rule violation (422); a value of the wrong JSON type is structural (400).
    const integerNumber = typeof value === 'number' && ['integer', 'positiveInt', 'unsignedInt'].includes(type);
    expect(errors(resource)).toEqual([[integerNumber ? 'business-rule' : 'value', path]]);
  });

  it('explains the problem in diagnostics', () => {
    const [issue] = validator.validate({ resourceType: 'Patient', birthDate: '2024-13-01' });
    expect(issue.diagnostics).toBe("'2024-13-01' is not a valid date");
    const [long] = validator.validate({ resourceType: 'Patient', name: [{ family: 'x'.repeat(MAX_STRING_LENGTH + 1) }] });
    expect(long.diagnostics).toMatch(/limit is 1048576/);
  });
});
