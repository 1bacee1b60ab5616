import type { TerminologyService } from '../terminology/terminology-service';

/** `outside-fragment`: the code is of a system this server holds only part of, so it could not be checked. */
export type BindingResult = 'ok' | 'not-in-value-set' | 'unknown-value-set' | 'outside-fragment';

/**
 * Checks coded values (code, Coding, CodeableConcept, Quantity) against the ValueSets of terminology/ via the
 * TerminologyService. Each ValueSet is expanded once into a set of `system|code` keys.
 */
export class BindingChecker {
  private readonly sets = new Map<string, Set<string> | null>();

  constructor(private readonly terminology: TerminologyService) {}

  check(valueSet: string, value: unknown): BindingResult {
    const codes = this.codes(valueSet);
    if (!codes) return 'unknown-value-set';
    const codings = codingsOf(value);
    if (codings === undefined) return 'ok';
    if (codings.length === 0) return 'ok';
    if (codings.some((c) => codes.has(`${c.system ?? ''}|${c.code}`) || (c.system === undefined && codes.has(`*|${c.code}`)))) return 'ok';
    return codings.some((c) => c.system !== undefined && this.outsideFragment(valueSet, c)) ? 'outside-fragment' : 'not-in-value-set';
  }

  private outsideFragment(valueSet: string, coding: Code): boolean {
    try {
      return this.terminology.validateCode({ url: valueSet, system: coding.system, code: coding.code }, 'ValueSet').warning === true;
    } catch {
      return false;
    }
  }

  private codes(valueSet: string): Set<string> | null {
    let codes = this.sets.get(valueSet);
    if (codes === undefined) {
      try {
        codes = new Set();
        for (const item of this.terminology.codes(valueSet)) {
          codes.add(`${item.system}|${item.code}`);
          codes.add(`*|${item.code}`);
        }
      } catch {
        codes = null;
      }
      this.sets.set(valueSet, codes);
    }
    return codes;
  }
}

interface Code {
  system?: string;
  code: string;
}

/** The codes a value carries; undefined when the value is not coded (nothing to check). */
function codingsOf(value: unknown): Code[] | undefined {
  if (typeof value === 'string') return [{ code: value }];
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as { coding?: unknown; code?: unknown; system?: unknown };
  if (Array.isArray(v.coding)) return v.coding.filter(isCoding);
  if (typeof v.code === 'string') return [{ system: typeof v.system === 'string' ? v.system : undefined, code: v.code }];
  return undefined;
}

function isCoding(c: unknown): c is Code {
  return typeof c === 'object' && c !== null && typeof (c as { code?: unknown }).code === 'string';
}
