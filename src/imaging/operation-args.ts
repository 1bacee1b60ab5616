import type { Parameters } from '@medplum/fhirtypes';
import { badRequest } from '../kernel/errors';
import type { FhirRequest } from '../fhir/rest/fhir-request';
import { OperationInput } from '../fhir/operations/terminology-parameters';

const DATE = /^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01])(T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00))?)?)?)?$/;

/**
 * Typed operation arguments from the query string or a Parameters body, on top of OperationInput: adds
 * FHIR dates (valueDate / valueDateTime / valueInstant in a body) and bounded integers. Every wrong value
 * answers 400 with an OperationOutcome naming the parameter.
 */
export class OperationArgs extends OperationInput {
  constructor(private readonly req: FhirRequest) {
    super(req);
  }

  /** A FHIR date or dateTime (any precision); returned as sent, for the search parser. */
  date(name: string): string | undefined {
    const values = this.req.query.getAll(name);
    const body = ((this.req.body as Parameters | undefined)?.parameter ?? []).filter((p) => p.name === name);
    if (values.length + body.length > 1) throw badRequest(`Parameter '${name}' is given more than once`, name);
    const raw = values[0] ?? body[0]?.valueDate ?? body[0]?.valueDateTime ?? body[0]?.valueInstant ?? body[0]?.valueString;
    if (raw === undefined) {
      if (body.length > 0) throw badRequest(`Parameter '${name}' must be valueDate or valueDateTime`, name);
      return undefined;
    }
    if (!DATE.test(raw) || Number.isNaN(Date.parse(raw.length === 4 ? `${raw}-01-01` : raw.length === 7 ? `${raw}-01` : raw))) {
      throw badRequest(`Parameter '${name}' must be a FHIR date or dateTime (YYYY, YYYY-MM, YYYY-MM-DD or with a time and zone), not '${raw.slice(0, 40)}'`, name);
    }
    return raw;
  }

  count(name: string, fallback: number, max: number): number {
    const n = this.integer(name, 0) ?? fallback;
    if (n > max) throw badRequest(`Parameter '${name}' must be at most ${max}`, name);
    return n;
  }

  /** A closed list of codes; anything else is 400 naming the parameter and the allowed values. */
  oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const v = this.code(name);
    if (v === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(v)) throw badRequest(`Parameter '${name}' must be one of ${allowed.join(', ')}, not '${v.slice(0, 40)}'`, name);
    return v as T;
  }
}

/** Search values of a date range; `le` on a partial date covers its whole day, month or year. */
export function rangeValues(start?: string, end?: string): string[] {
  return [...(start ? [`ge${start}`] : []), ...(end ? [`le${end}`] : [])];
}
