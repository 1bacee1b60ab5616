/**
 * The two-digit control key of a 13-character NIR body: 97 - (N mod 97), where Corsican departments 2A and
 * 2B count as 19 and 18 (see ../shared/design/standards.md, section 1.3).
 */
export function nirKey(body: string): string {
  const numeric = body.toUpperCase().replace('2A', '19').replace('2B', '18');
  if (!/^\d{13}$/.test(numeric)) throw new Error(`not a NIR body: ${body}`);
  return String(97 - Number(BigInt(numeric) % 97n)).padStart(2, '0');
}

export function isValidNir(nir: string): boolean {
  return /^[1-478]\d{2}[0-9]{2}(\d{2}|2[AB])\d{6}\d{2}$/i.test(nir) && nirKey(nir.slice(0, 13)) === nir.slice(13);
}

const DEPARTMENTS = ['33', '75', '69', '13', '31', '64', '40', '24', '47', '87', '86', '17', '2A', '2B', '44', '59'];
const COUNTRIES_ABROAD = ['99109', '99350', '99134', '99352', '99139']; // Germany, Morocco, Spain, Algeria, Portugal

/**
 * A 15-character NIR consistent with sex and birth date, with a valid key. The birth place and order number
 * come from `serial` (the patient's rank in the data set), so that two patients of one data set never share
 * a NIR, whatever its size (up to 999 x 6 400 patients); every 13th group of 999 is born abroad while
 * countries last.
 */
export function makeNir(sex: 'male' | 'female', birthDate: string, serial: number): { nir: string; birthPlace: string } {
  const [year, month] = birthDate.split('-');
  const group = Math.floor(serial / 999);
  if (group >= DEPARTMENTS.length * 400) throw new Error(`no unique NIR left for patient ${serial}`);
  const abroad = group % 13 === 12 && Math.floor(group / 13) < COUNTRIES_ABROAD.length;
  const birthPlace = abroad
    ? COUNTRIES_ABROAD[Math.floor(group / 13)]
    : `${DEPARTMENTS[group % DEPARTMENTS.length]}${String((Math.floor(group / DEPARTMENTS.length) % 400) + 1).padStart(3, '0')}`;
  const order = String((serial % 999) + 1).padStart(3, '0');
  const body = `${sex === 'male' ? '1' : '2'}${year.slice(2)}${month}${birthPlace}${order}`;
  return { nir: body + nirKey(body), birthPlace };
}
