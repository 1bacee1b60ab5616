import { nirKeyValid } from './profile-nir';

describe('nirKeyValid', () => {
  it('accepts the public test vectors', () => {
    expect(nirKeyValid('255081416802538')).toBe(true);
    expect(nirKeyValid('248039263001064')).toBe(true);
    expect(nirKeyValid('2 55 08 14 168 025 38')).toBe(true);
  });

  it('rejects a wrong key, the FR Core placeholder and malformed values', () => {
    expect(nirKeyValid('255081416802539')).toBe(false);
    expect(nirKeyValid('123456789012244')).toBe(false);
    expect(nirKeyValid('25508141680253')).toBe(false);
    expect(nirKeyValid('2550814168025AB')).toBe(false);
  });

  it('substitutes 19 for 2A and 18 for 2B (Corsica)', () => {
    // key computed here from the rule: body 1850219005001 (2A -> 19) and 1850218005001 (2B -> 18)
    const key2A = String(97 - Number(1850219005001n % 97n)).padStart(2, '0');
    const key2B = String(97 - Number(1850218005001n % 97n)).padStart(2, '0');
    expect(nirKeyValid(`185022A005001${key2A}`)).toBe(true);
    expect(nirKeyValid(`185022b005001${key2B}`)).toBe(true);
    expect(nirKeyValid(`185022A005001${key2B}`)).toBe(key2A === key2B);
  });
});
