import { badRequest } from '../kernel/errors';
import type { ServerContext } from '../fhir/rest/server-context';

/** The imaging acts Lucarne knows (terminology/valueset-imaging-act.json): CCAM imaging acts. */
export const IMAGING_ACT_VALUESET = 'https://lucarne.example/fhir/ValueSet/imaging-act';

export interface ExamType {
  /** The token as asked, for the search parameters (`system|code` or `code`). */
  token: string;
  system?: string;
  code: string;
}

/**
 * Parses and checks the exam type of a dose query. A code of a system the imaging-act ValueSet draws on
 * (CCAM) must be one of its acts, and a bare code must be an act of some system: otherwise 400, since the
 * answer would be an empty distribution that reads like "no exam" rather than "no such exam type". A code
 * of another system (a local or LOINC procedure code) cannot be judged here and is taken as asked.
 */
export function examType(ctx: ServerContext, token: string | undefined, name = 'code'): ExamType {
  if (!token) throw badRequest(`Parameter '${name}' (the exam type, system|code, e.g. a CCAM act) is required`, name);
  const bar = token.indexOf('|');
  const system = bar >= 0 ? token.slice(0, bar) : undefined;
  const code = bar >= 0 ? token.slice(bar + 1) : token;
  if (code === '' || code.includes('|') || system === '') throw badRequest(`Parameter '${name}' must be system|code or code, not '${token.slice(0, 60)}'`, name);
  const acts = ctx.terminology?.expand(IMAGING_ACT_VALUESET);
  if (acts) {
    const systems = new Set(acts.map((a) => a.system));
    const known = acts.some((a) => a.code === code && (system === undefined || a.system === system));
    if (!known && (system === undefined || systems.has(system))) {
      throw badRequest(`Parameter '${name}': '${token.slice(0, 80)}' is not an imaging act of ${system ?? 'any known code system'} (ValueSet ${IMAGING_ACT_VALUESET})`, name);
    }
  }
  return { token, ...(system !== undefined ? { system } : {}), code };
}
