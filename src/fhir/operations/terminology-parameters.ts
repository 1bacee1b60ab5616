import type { Parameters, ParametersParameter, Resource } from '@medplum/fhirtypes';
import { badRequest } from '../../kernel/errors';
import type { FhirRequest } from '../rest/fhir-request';

type Kind = 'uri' | 'string' | 'code' | 'integer' | 'boolean' | 'Coding' | 'CodeableConcept' | 'resource';

/** The value[x] names each kind accepts in a Parameters body (canonical/url/uri are interchangeable here). */
const FIELDS: Record<Kind, string[]> = {
  uri: ['valueUri', 'valueCanonical', 'valueUrl'],
  string: ['valueString'],
  code: ['valueCode', 'valueString'],
  integer: ['valueInteger', 'valueUnsignedInt', 'valuePositiveInt'],
  boolean: ['valueBoolean'],
  Coding: ['valueCoding'],
  CodeableConcept: ['valueCodeableConcept'],
  resource: ['resource'],
};

/**
 * An operation's input parameters, from the query string (GET, or POST with a query) and from a Parameters
 * body (POST). Every getter checks the type: a value of the wrong type answers 400 naming the parameter.
 */
export class OperationInput {
  private readonly body: ParametersParameter[];

  constructor(private readonly request: FhirRequest) {
    const body = request.body as Resource | undefined;
    if (body === undefined) this.body = [];
    else if (typeof body === 'object' && body !== null && (body as Resource).resourceType === 'Parameters') this.body = (body as Parameters).parameter ?? [];
    else throw badRequest('The body of this operation must be a Parameters resource');
  }

  uri(name: string): string | undefined {
    return this.text(name, 'uri');
  }

  string(name: string): string | undefined {
    return this.text(name, 'string');
  }

  code(name: string): string | undefined {
    return this.text(name, 'code');
  }

  codes(name: string): string[] {
    const fromQuery = this.request.query.getAll(name).flatMap((v) => v.split(',')).filter(Boolean);
    return [...fromQuery, ...this.all(name).map((p) => this.value(p, name, 'code') as string)];
  }

  integer(name: string, min = 0): number | undefined {
    const raw = this.raw(name, 'integer');
    if (raw === undefined) return undefined;
    const n = typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < min) throw badRequest(`Parameter '${name}' must be an integer ≥ ${min}, not '${String(raw).slice(0, 40)}'`, name);
    return n;
  }

  boolean(name: string): boolean | undefined {
    const raw = this.raw(name, 'boolean');
    if (raw === undefined || typeof raw === 'boolean') return raw as boolean | undefined;
    if (raw === 'true' || raw === 'false') return raw === 'true';
    throw badRequest(`Parameter '${name}' must be true or false, not '${String(raw).slice(0, 40)}'`, name);
  }

  coding<T>(name: string, kind: 'Coding' | 'CodeableConcept'): T | undefined {
    if (this.request.query.has(name)) throw badRequest(`Parameter '${name}' is a ${kind}: send it in a Parameters body (POST)`, name);
    const p = this.one(name);
    return p ? (this.value(p, name, kind) as T) : undefined;
  }

  resource<T extends Resource>(name: string, type: string): T | undefined {
    if (this.request.query.has(name)) throw badRequest(`Parameter '${name}' is a resource: send it in a Parameters body (POST)`, name);
    const p = this.one(name);
    if (!p) return undefined;
    const r = this.value(p, name, 'resource') as Resource;
    if (r?.resourceType !== type) throw badRequest(`Parameter '${name}' must be a ${type} resource`, name);
    return r as T;
  }

  private text(name: string, kind: Kind): string | undefined {
    const raw = this.raw(name, kind);
    if (raw === undefined) return undefined;
    if (typeof raw !== 'string' || raw === '') throw badRequest(`Parameter '${name}' must be a non-empty ${kind}`, name);
    return raw;
  }

  private raw(name: string, kind: Kind): unknown {
    const query = this.request.query.getAll(name);
    const p = this.one(name);
    if (query.length > 1 || (query.length === 1 && p)) throw badRequest(`Parameter '${name}' is given more than once`, name);
    if (query.length === 1) return query[0];
    return p ? this.value(p, name, kind) : undefined;
  }

  private all(name: string): ParametersParameter[] {
    return this.body.filter((p) => p.name === name);
  }

  private one(name: string): ParametersParameter | undefined {
    const found = this.all(name);
    if (found.length > 1) throw badRequest(`Parameter '${name}' is given more than once`, name);
    return found[0];
  }

  private value(p: ParametersParameter, name: string, kind: Kind): unknown {
    const record = p as unknown as Record<string, unknown>;
    for (const field of FIELDS[kind]) if (record[field] !== undefined) return record[field];
    const sent = Object.keys(record).find((k) => k.startsWith('value') || k === 'resource' || k === 'part') ?? 'nothing';
    throw badRequest(`Parameter '${name}' must be ${FIELDS[kind].join(' or ')}, not ${sent}`, name);
  }
}
