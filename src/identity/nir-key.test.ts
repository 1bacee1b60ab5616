import { hasValidNirKey, normaliseNir } from './nir-key';

describe('NIR / NIA check key', () => {
  it('accepts the public test vectors and refuses a changed key or the FR Core placeholder', () => {
    expect(hasValidNirKey('255081416802538')).toBe(true);
    expect(hasValidNirKey('248039263001064')).toBe(true);
    expect(hasValidNirKey('255081416802539')).toBe(false);
    expect(hasValidNirKey('123456789012244')).toBe(false);
  });

  it('counts Corsica 2A as 19 and 2B as 18', () => {
    expect(hasValidNirKey('185022A00500103')).toBe(true);
    expect(hasValidNirKey('185022B00500130')).toBe(true);
    expect(hasValidNirKey('185022A00500130')).toBe(false);
    expect(hasValidNirKey('185022B00500103')).toBe(false);
  });

  it('refuses wrong lengths and letters outside the department', () => {
    expect(hasValidNirKey('25508141680253')).toBe(false);
    expect(hasValidNirKey('2550814168025380')).toBe(false);
    expect(hasValidNirKey('2550814168025AB')).toBe(false);
    expect(hasValidNirKey('2A5081416802538')).toBe(false);
  });

  it('normalises spaces, dots, dashes and lower-case Corsica letters', () => {
    expect(normaliseNir('1 85 02 2a 005 001-03')).toBe('185022A00500103');
    expect(hasValidNirKey(normaliseNir('2.55.08.14.168.025.38'))).toBe(true);
  });
});
