import { OAuthError } from '../contracts';
import { grantSystemScopes } from './system-scopes';

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
