import { OAuthError } from './contracts';
import { grantInteractiveScopes, grantSystemScopes } from './scope-grants';

describe('grantSystemScopes', () => {
  const grant = (requested: string, allowed: string[]) => grantSystemScopes(requested, allowed);
  const refusal = (requested: string, allowed: string[]) => {
    try {
      grant(requested, allowed);
    } catch (e) {
      return (e as OAuthError).error;
    }
    return 'granted';
  };

  it('grants a requested scope whole, as written, when an allowance covers it', () => {
    expect(grant('system/Observation.rs', ['system/*.rs'])).toEqual(['system/Observation.rs']);
    expect(grant('system/Observation.read', ['system/*.rs'])).toEqual(['system/Observation.read']);
    expect(grant('system/*.rs', ['system/*.cruds'])).toEqual(['system/*.rs']);
    expect(grant('system/ImagingStudy.r', ['system/ImagingStudy.rs'])).toEqual(['system/ImagingStudy.r']);
  });

  it('intersects permissions and types', () => {
    expect(grant('system/Patient.cruds', ['system/*.rs'])).toEqual(['system/Patient.rs']);
    expect(grant('system/*.*', ['system/Observation.read', 'system/Patient.write'])).toEqual(['system/Observation.rs', 'system/Patient.cud']);
    expect(grant('system/*.rs system/Observation.c', ['system/*.rs'])).toEqual(['system/*.rs']);
    expect(grant('system/*.rs', ['system/Observation.rs', 'system/Patient.r'])).toEqual(['system/Observation.rs', 'system/Patient.r']);
  });

  it('keeps the allowance query restriction, and the request one when it is narrower', () => {
    const imaging = 'system/Observation.rs?category=imaging';
    expect(grant('system/Observation.rs', [imaging])).toEqual(['system/Observation.rs?category=imaging']);
    expect(grant('system/Observation.rs?category=imaging&code=x', [imaging])).toEqual(['system/Observation.rs?category=imaging&code=x']);
    expect(grant('system/*.rs', [imaging])).toEqual(['system/Observation.rs?category=imaging']);
  });

  it('refuses what nothing allows, non-system and malformed scopes', () => {
    expect(refusal('system/Patient.c', ['system/*.rs'])).toBe('invalid_scope');
    expect(refusal('system/Patient.rs', ['user/*.rs', 'patient/*.rs'])).toBe('invalid_scope');
    expect(refusal('user/Patient.rs', ['user/*.rs', 'system/*.rs'])).toBe('invalid_scope');
    expect(refusal('system/Patient.sr', ['system/*.rs'])).toBe('invalid_scope');
    expect(refusal('launch system/*.rs', ['system/*.rs'])).toBe('invalid_scope');
    expect(refusal('admin', ['system/*.rs', 'admin'])).toBe('invalid_scope');
    expect(refusal('   ', ['system/*.rs'])).toBe('invalid_scope');
  });
});

describe('grantInteractiveScopes', () => {
  const allowed = ['patient/*.rs', 'user/ImagingStudy.rs', 'offline_access'];

  it('intersects patient/ and user/ scopes with the client and keeps the identity and launch scopes', () => {
    expect(grantInteractiveScopes('openid fhirUser launch/patient patient/Observation.rs user/*.rs', allowed).sort()).toEqual(
      ['fhirUser', 'launch/patient', 'openid', 'patient/Observation.rs', 'user/ImagingStudy.rs'].sort(),
    );
  });

  it('grants offline_access only to a client allowed it', () => {
    expect(grantInteractiveScopes('offline_access patient/*.rs', allowed)).toContain('offline_access');
    expect(grantInteractiveScopes('offline_access patient/*.rs', ['patient/*.rs'])).not.toContain('offline_access');
  });

  it('never grants system/ scopes, nor a patient/ scope from a user/ allowance', () => {
    expect(() => grantInteractiveScopes('system/*.rs', allowed)).toThrow(/backend services/);
    expect(() => grantInteractiveScopes('patient/ImagingStudy.rs', ['user/ImagingStudy.rs'])).toThrow(/none of the requested/);
  });
});
