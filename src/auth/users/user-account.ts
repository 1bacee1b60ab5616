/** A local account (state store space `user`, keyed by the lower-cased username). */
export interface UserAccount {
  readonly username: string;
  readonly displayName: string;
  /** `scrypt$N$r$p$salt$hash` (see password-hash.ts). */
  readonly passwordHash: string;
  /** `Practitioner/…` for a professional, `Patient/…` for a patient account. */
  readonly fhirUser?: string;
  readonly admin?: boolean;
  /** ISO instant. */
  readonly createdAt: string;
}

/** What account listings show: everything but the hash. */
export type AccountSummary = Omit<UserAccount, 'passwordHash'>;

export interface NewAccount {
  readonly username: string;
  readonly displayName?: string;
  readonly password: string;
  readonly fhirUser?: string;
  readonly admin?: boolean;
}

/** A refused account change (name taken, password too short...): its message is meant for the operator. */
export class AccountError extends Error {}

export const MIN_PASSWORD_LENGTH = 12;

const USERNAME = /^[a-z0-9][a-z0-9._@-]{0,63}$/i;
const FHIR_USER = /^(Practitioner|Patient|RelatedPerson|Person)\/[A-Za-z0-9\-.]{1,64}$/;

export function accountKey(username: string): string {
  return username.trim().toLowerCase();
}

export function checkUsername(username: string): void {
  if (!USERNAME.test(username)) {
    throw new AccountError(`username must be 1 to 64 letters, digits or . _ @ - (starting with a letter or digit), not '${username.slice(0, 64)}'`);
  }
}

export function checkPassword(password: string): void {
  if ([...password].length < MIN_PASSWORD_LENGTH) throw new AccountError(`password must have at least ${MIN_PASSWORD_LENGTH} characters`);
}

export function checkFhirUser(fhirUser: string): void {
  if (!FHIR_USER.test(fhirUser)) throw new AccountError(`fhirUser must be a reference such as Practitioner/123 or Patient/456, not '${fhirUser.slice(0, 80)}'`);
}

/** A patient account is one whose FHIR user is a Patient (it signs in to see its own record). */
export function isPatientAccount(account: Pick<UserAccount, 'fhirUser'>): boolean {
  return account.fhirUser?.startsWith('Patient/') === true;
}

export function summaryOf(account: UserAccount): AccountSummary {
  // Spelled out rather than spread-and-delete, so a field added later is not listed by accident.
  return {
    username: account.username,
    displayName: account.displayName,
    ...(account.fhirUser ? { fhirUser: account.fhirUser } : {}),
    ...(account.admin ? { admin: true } : {}),
    createdAt: account.createdAt,
  };
}
