import type { AccessRoute } from '../fhir/rest/access-policy';
import type { Caller } from '../fhir/rest/caller';
import { interactionOf, operationOf } from '../fhir/rest/interaction';
import type { RequestContext } from '../fhir/rest/request-context';
import type { RouteMethod, RouteParams } from '../fhir/rest/router';
import { FhirError } from '../kernel/errors';
import { ScopePolicy } from './scope-policy';

const policy = new ScopePolicy();

/** A route as the router compiles it (interaction and operation derived from the pattern). */
function route(method: RouteMethod, pattern: string): AccessRoute {
  const operation = operationOf(pattern);
  return { method, pattern, interaction: interactionOf(method, pattern), ...(operation ? { operation } : {}) };
}

function caller(scopes: string, patient?: string): Caller {
  return { scopes: scopes.split(' ').filter((s) => s !== ''), purposeOfUse: [], ...(patient ? { patient } : {}) };
}

/** 'allow', or the status and OperationOutcome issue code and diagnostics of the refusal. */
function decide(scopes: string, method: RouteMethod, pattern: string, params: RouteParams, patient?: string): string {
  const ctx = { caller: caller(scopes, patient) } as unknown as RequestContext;
  try {
    policy.authorize(ctx, route(method, pattern), params);
    return 'allow';
  } catch (e) {
    if (!(e instanceof FhirError)) throw e;
    return `${e.status} ${e.issues[0].code}: ${e.issues[0].diagnostics}`;
  }
}

const P = 'p1';
const pat = { type: 'Patient', id: 'p1' };
const obs = { type: 'Observation', id: 'o1' };
const LAB = 'http://terminology.hl7.org/CodeSystem/observation-category|laboratory';

type Row = [scopes: string, patient: string | undefined, method: RouteMethod, pattern: string, params: RouteParams, expected: string];

describe('ScopePolicy', () => {
  const rows: Row[] = [
    // capabilities: anyone, no scopes needed.
    ['', undefined, 'GET', 'metadata', {}, 'allow'],
    // no scopes: 401 login, whatever the request.
    ['', undefined, 'GET', ':type/:id', pat, '401 login'],
    ['', undefined, 'POST', '', {}, '401 login'],
    ['', undefined, 'POST', ':type/$validate', { type: 'Patient' }, '401 login'],
    // read, vread, instance history: r.
    ['patient/Patient.r', P, 'GET', ':type/:id', pat, 'allow'],
    ['patient/Patient.r', P, 'GET', ':type/:id/_history/:vid', { ...pat, vid: '1' }, 'allow'],
    ['patient/Patient.r', P, 'GET', ':type/:id/_history', pat, 'allow'],
    ['user/Patient.read', undefined, 'GET', ':type/:id', pat, 'allow'],
    ['system/*.r', undefined, 'GET', ':type/:id', obs, 'allow'],
    ['user/*.*', undefined, 'GET', ':type/:id', obs, 'allow'],
    ['patient/Patient.s', P, 'GET', ':type/:id', pat, '403 forbidden: Interaction read on Patient needs patient/Patient.r or user/Patient.r or system/Patient.r (or the same on *)'],
    ['patient/Patient.r', P, 'GET', ':type/:id', obs, '403 forbidden: Interaction read on Observation needs patient/Observation.r'],
    ['openid fhirUser launch/patient', P, 'GET', ':type/:id', pat, '403 forbidden: Interaction read on Patient needs'],
    // patient/ grants need a patient in context.
    ['patient/Patient.r', undefined, 'GET', ':type/:id', pat, '403 forbidden: Interaction read on Patient needs patient/Patient.r or user/Patient.r or system/Patient.r (or the same on *); patient/ scopes need a patient in context'],
    ['patient/*.read', undefined, 'GET', ':type/:id', obs, '403 forbidden: Interaction read on Observation needs patient/Observation.r'],
    // search and type history: s; a compartment search is a search of its target type.
    ['patient/Observation.rs', P, 'GET', ':type', { type: 'Observation' }, 'allow'],
    ['patient/Observation.s', P, 'POST', ':type/_search', { type: 'Observation' }, 'allow'],
    ['user/Observation.s', undefined, 'GET', ':type/_history', { type: 'Observation' }, 'allow'],
    ['patient/Observation.r', P, 'GET', ':type', { type: 'Observation' }, '403 forbidden: Interaction search-type on Observation needs patient/Observation.s or user/Observation.s or system/Observation.s'],
    ['patient/Patient.rs', P, 'GET', ':type/:id/:target', { ...pat, target: 'Observation' }, '403 forbidden: Interaction search-type on Observation needs patient/Observation.s'],
    ['patient/Observation.s', P, 'GET', ':type/:id/:target', { ...pat, target: 'Observation' }, 'allow'],
    // system search and history: a * grant with s.
    ['system/*.s', undefined, 'GET', '', {}, 'allow'],
    ['user/*.rs', undefined, 'POST', '_search', {}, 'allow'],
    ['patient/*.s', P, 'GET', '_history', {}, 'allow'],
    ['user/Patient.s user/Observation.s', undefined, 'GET', '', {}, '403 forbidden: Interaction search-system (every type) needs patient/*.s or user/*.s or system/*.s'],
    ['user/Patient.rs', undefined, 'GET', '_history', {}, '403 forbidden: Interaction history-system (every type) needs'],
    // writes: c, u, d; the conditional forms also need s.
    ['user/Observation.c', undefined, 'POST', ':type', { type: 'Observation' }, 'allow'],
    ['user/Observation.write', undefined, 'POST', ':type', { type: 'Observation' }, 'allow'],
    ['user/Observation.rs', undefined, 'POST', ':type', { type: 'Observation' }, '403 forbidden: Interaction create on Observation needs patient/Observation.c or user/Observation.c'],
    ['user/Observation.u', undefined, 'PUT', ':type/:id', obs, 'allow'],
    ['user/Observation.u', undefined, 'PATCH', ':type/:id', obs, 'allow'],
    ['user/Observation.c', undefined, 'PUT', ':type/:id', obs, '403 forbidden: Interaction update on Observation needs patient/Observation.u'],
    ['user/Observation.u', undefined, 'PUT', ':type', { type: 'Observation' }, '403 forbidden: Interaction update on Observation needs patient/Observation.us or user/Observation.us or system/Observation.us'],
    ['user/Observation.us', undefined, 'PUT', ':type', { type: 'Observation' }, 'allow'],
    ['user/Observation.cud', undefined, 'PATCH', ':type', { type: 'Observation' }, '403 forbidden: Interaction patch on Observation needs patient/Observation.us'],
    ['user/Observation.d', undefined, 'DELETE', ':type/:id', obs, 'allow'],
    ['user/Observation.d', undefined, 'DELETE', ':type', { type: 'Observation' }, '403 forbidden: Interaction delete on Observation needs patient/Observation.ds'],
    ['user/Observation.ds', undefined, 'DELETE', ':type', { type: 'Observation' }, 'allow'],
    // letters of one context only: the context confines the whole request.
    ['patient/Observation.u user/Observation.s', P, 'PUT', ':type', { type: 'Observation' }, '403 forbidden: Interaction update on Observation needs'],
    ['user/Observation.u user/*.s', undefined, 'PUT', ':type', { type: 'Observation' }, 'allow'],
    // query-restricted grants do not cover here (the decision sees neither query nor resource).
    [`patient/Observation.rs?category=${LAB}`, P, 'GET', ':type', { type: 'Observation' }, '403 forbidden: Interaction search-type on Observation needs patient/Observation.s or user/Observation.s or system/Observation.s (or the same on *); scopes with a query restriction do not cover it yet'],
    [`patient/Observation.rs?category=${LAB}`, P, 'GET', ':type/:id', obs, '403 forbidden: Interaction read on Observation needs patient/Observation.r'],
    [`patient/Observation.rs?category=${LAB} patient/Observation.s`, P, 'GET', ':type', { type: 'Observation' }, 'allow'],
    // malformed scopes grant nothing; the valid ones beside them still do.
    ['patient/Patient.sr', P, 'GET', ':type/:id', pat, '403 forbidden: Interaction read on Patient needs'],
    ['patient/Patient.sr user/Patient.r', undefined, 'GET', ':type/:id', pat, 'allow'],
    // bundle: goes on with scopes; each entry is decided on its own.
    ['openid', undefined, 'POST', '', {}, 'allow'],
    // operations.
    ['openid', undefined, 'POST', ':type/$validate', { type: 'Patient' }, 'allow'],
    ['openid', undefined, 'GET', ':type/:id/$validate', pat, '403 forbidden: Operation $validate on Patient needs patient/Patient.r'],
    ['user/Patient.r', undefined, 'GET', ':type/:id/$validate', pat, 'allow'],
    ['openid', undefined, 'GET', 'ValueSet/$expand', {}, 'allow'],
    ['openid', undefined, 'POST', 'CodeSystem/:id/$validate-code', { id: 'c' }, 'allow'],
    ['openid', undefined, 'GET', 'CodeSystem/$lookup', {}, 'allow'],
    ['openid', undefined, 'GET', 'CodeSystem/$subsumes', {}, 'allow'],
    ['patient/Patient.r', P, 'GET', 'Patient/:id/$everything', { id: P }, 'allow'],
    ['patient/Observation.rs', P, 'GET', 'Patient/:id/$everything', { id: P }, '403 forbidden: Operation $everything on Patient needs patient/Patient.r or user/Patient.r or system/Patient.r'],
    ['patient/Patient.r', undefined, 'GET', 'Patient/:id/$everything', { id: P }, '403 forbidden: Operation $everything on Patient needs patient/Patient.r or user/Patient.r or system/Patient.r (or the same on *); patient/ scopes need a patient in context'],
    ['user/Patient.r', undefined, 'GET', 'Patient/:id/$imaging-record', { id: P }, 'allow'],
    ['system/*.rs', undefined, 'POST', 'Patient/:id/$imaging-record', { id: P }, 'allow'],
    ['user/Patient.r', undefined, 'GET', 'Patient/$imaging-record', {}, '403 forbidden: Operation $imaging-record on Patient needs patient/Patient.rs or user/Patient.rs or system/Patient.rs'],
    ['user/Patient.rs', undefined, 'GET', 'Patient/$imaging-record', {}, 'allow'],
    ['patient/Patient.r', P, 'GET', 'Patient/:id/$dose-summary', { id: P }, 'allow'],
    ['user/Observation.s', undefined, 'GET', 'Observation/$dose-statistics', {}, 'allow'],
    ['patient/Observation.rs', P, 'GET', 'Observation/$dose-statistics', {}, '403 forbidden: Operation $dose-statistics on Observation needs user/Observation.s or system/Observation.s (or the same on *)'],
    ['user/*.cruds', undefined, 'GET', 'Patient/:id/$export', { id: P }, '403 forbidden: No scope rule covers operation $export yet'],
    ['user/*.cruds', undefined, 'GET', ':type/$constructor', { type: 'Patient' }, '403 forbidden: No scope rule covers operation $constructor yet'],
  ];

  it.each(rows)('%s (patient %s): %s %s %j → %s', (scopes, patient, method, pattern, params, expected) => {
    const got = decide(scopes, method, pattern, params, patient);
    // Rows give the whole message or its beginning.
    expect(got.startsWith(expected) ? expected : got).toBe(expected);
    if (expected === '401 login') expect(got).toBe('401 login: This request needs an access token granting SMART scopes');
  });

  it('answers 401 with WWW-Authenticate and 403 with insufficient_scope', () => {
    const ctx = (scopes: string) => ({ caller: caller(scopes) }) as unknown as RequestContext;
    const refusal = (scopes: string) => {
      try {
        policy.authorize(ctx(scopes), route('GET', ':type/:id'), pat);
      } catch (e) {
        return e as FhirError;
      }
      throw new Error('allowed');
    };
    expect(refusal('').headers).toEqual({ 'WWW-Authenticate': 'Bearer' });
    expect(refusal('openid').headers).toEqual({ 'WWW-Authenticate': 'Bearer error="insufficient_scope"' });
  });

  it('is not open, so the server would not warn that anyone may do anything', () => {
    expect(policy.open).toBe(false);
  });

  it('every core and known operation pattern gets a decision other than "no rule"', () => {
    const patterns: [RouteMethod, string][] = [
      ['GET', ':type/:id'], ['GET', ':type'], ['POST', ':type/_search'], ['GET', ':type/:id/:target'], ['GET', ':type/:id/_history'],
      ['GET', ':type/:id/_history/:vid'], ['GET', ':type/_history'], ['GET', '_history'], ['GET', ''], ['POST', '_search'], ['POST', ':type'],
      ['PUT', ':type/:id'], ['PUT', ':type'], ['PATCH', ':type/:id'], ['PATCH', ':type'], ['DELETE', ':type/:id'], ['DELETE', ':type'],
      ['POST', ''], ['GET', 'metadata'], ['POST', ':type/$validate'], ['GET', ':type/:id/$validate'], ['GET', 'ValueSet/$expand'],
      ['GET', 'ValueSet/:id/$expand'], ['GET', 'ValueSet/$validate-code'], ['GET', 'CodeSystem/$validate-code'], ['GET', 'CodeSystem/$lookup'],
      ['GET', 'CodeSystem/$subsumes'], ['GET', 'Patient/:id/$everything'], ['GET', 'Patient/:id/$imaging-record'], ['GET', 'Patient/$imaging-record'],
      ['GET', 'Patient/:id/$dose-summary'], ['GET', 'Observation/$dose-statistics'],
    ];
    const params: RouteParams = { type: 'Patient', id: 'p1', vid: '1', target: 'Observation' };
    for (const [method, pattern] of patterns) {
      const used = Object.fromEntries(Object.entries(params).filter(([k]) => pattern.includes(`:${k}`)));
      expect([pattern, decide('system/*.cruds', method, pattern, used)]).toEqual([pattern, 'allow']);
    }
  });
});
