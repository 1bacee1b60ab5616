import { parseResourceScope, parseScopes, queryCarries, type ResourceGrant } from './scopes';

const letters = (g: ResourceGrant) => [...g.permissions].join('');
const one = (scope: string): ResourceGrant => {
  const g = parseResourceScope(scope);
  if (typeof g === 'string') throw new Error(g);
  return g;
};

describe('parseScopes', () => {
  it.each([
    ['patient/Observation.rs', 'patient', 'Observation', 'rs'],
    ['user/*.cruds', 'user', '*', 'cruds'],
    ['system/ImagingStudy.c', 'system', 'ImagingStudy', 'c'],
    ['user/ServiceRequest.cu', 'user', 'ServiceRequest', 'cu'],
    ['patient/Patient.d', 'patient', 'Patient', 'd'],
  ])('v2 %s', (scope, context, type, perms) => {
    const g = one(scope);
    expect([g.context, g.type, letters(g), g.restriction]).toEqual([context, type, perms, undefined]);
  });

  it.each([
    ['patient/*.read', 'rs'],
    ['user/Observation.write', 'cud'],
    ['user/*.*', 'cruds'],
    ['system/Patient.*', 'cruds'],
  ])('v1 %s normalises to v2 %s', (scope, perms) => {
    expect(letters(one(scope))).toBe(perms);
  });

  it.each([
    ['patient/Observation.sr', 'order'],
    ['patient/Observation.rr', 'twice'],
    ['patient/Observation.rsr', 'twice'],
    ['patient/Observation.x', 'unknown letter'],
    ['patient/Observation.', 'no letters'],
    ['patient/Observation', 'no permissions'],
    ['patient/Observation.READ', 'v1 is lower case'],
    ['patient/observation.rs', 'lower-case type'],
    ['patient/.rs', 'no type'],
    ['patient/Obs-ervation.rs', 'bad type'],
    ['patient/Observation.rs?', 'empty restriction'],
    ['patient/Observation.rs?category', 'restriction without a value'],
    ['patient/Observation.rs?=laboratory', 'restriction without a name'],
    ['patient/Observation.rs?category=', 'restriction with an empty value'],
    ['patient/Observation.rs?category=%E0%A4%A', 'bad percent-encoding'],
    ['patient/Observation.read?category=laboratory', 'v1 with a restriction'],
  ])('rejects %s (%s) with a message, without throwing', (scope) => {
    const parsed = parseScopes(`openid ${scope} user/Patient.r`);
    expect(parsed.errors).toHaveLength(1);
    expect(parsed.errors[0]).toContain(scope.slice(0, 30));
    expect(parsed.grants.map((g) => g.scope)).toEqual(['user/Patient.r']);
  });

  it('keeps a v2 query restriction as URLSearchParams, several parameters included', () => {
    const g = one('patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory&code=http://loinc.org|2345-7');
    expect(letters(g)).toBe('rs');
    expect(g.restriction).toBeInstanceOf(URLSearchParams);
    expect([...g.restriction!]).toEqual([
      ['category', 'http://terminology.hl7.org/CodeSystem/observation-category|laboratory'],
      ['code', 'http://loinc.org|2345-7'],
    ]);
  });

  it('reads the non-resource scopes and ignores unknown ones', () => {
    const parsed = parseScopes('openid fhirUser profile launch launch/patient launch/encounter offline_access online_access launch/imaging-study smart/orchestrate_launch');
    expect([...parsed.other].sort()).toEqual(['fhirUser', 'launch', 'launch/encounter', 'launch/patient', 'offline_access', 'online_access', 'openid', 'profile']);
    expect(parsed.ignored).toEqual(['launch/imaging-study', 'smart/orchestrate_launch']);
    expect(parsed.grants).toEqual([]);
    expect(parsed.errors).toEqual([]);
  });

  it('splits on any whitespace, takes an array as well, and an empty string grants nothing', () => {
    expect(parseScopes('  patient/Patient.r \t user/Observation.s\n').grants.map((g) => g.scope)).toEqual(['patient/Patient.r', 'user/Observation.s']);
    expect(parseScopes(['system/*.rs', 'openid']).grants.map((g) => [g.context, g.type, letters(g)])).toEqual([['system', '*', 'rs']]);
    expect(parseScopes('')).toEqual({ grants: [], other: new Set(), ignored: [], errors: [] });
  });

  it('shortens a huge scope in its message', () => {
    const parsed = parseScopes(`patient/${'A'.repeat(5000)}.zz`);
    expect(parsed.errors[0].length).toBeLessThan(400);
  });
});

describe('queryCarries', () => {
  const restriction = new URLSearchParams('category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory');
  it.each([
    ['category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory', true],
    ['category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory&code=x', true],
    ['category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory&category=y', true],
    ['', false],
    ['code=x', false],
    ['category=http://terminology.hl7.org/CodeSystem/observation-category|imaging', false],
    ['category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory,http://terminology.hl7.org/CodeSystem/observation-category|imaging', false],
    ['category:not=http://terminology.hl7.org/CodeSystem/observation-category|laboratory', false],
  ])('%s → %s', (query, expected) => {
    expect(queryCarries(restriction, new URLSearchParams(query))).toBe(expected);
  });
});
