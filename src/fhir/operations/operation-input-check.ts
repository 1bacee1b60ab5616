import type { OperationDefinitionParameter, Parameters, ParametersParameter } from '@medplum/fhirtypes';
import { badRequest } from '../../kernel/errors';

/** The value[x] keys accepted for a declared parameter type (the handlers read these interchangeably). */
const VALUE_KEYS: Record<string, string[]> = {
  uri: ['valueUri', 'valueCanonical', 'valueUrl'],
  canonical: ['valueCanonical', 'valueUri', 'valueUrl'],
  url: ['valueUrl', 'valueUri', 'valueCanonical'],
  string: ['valueString'],
  code: ['valueCode', 'valueString'],
  integer: ['valueInteger', 'valueUnsignedInt', 'valuePositiveInt'],
  boolean: ['valueBoolean'],
  date: ['valueDate', 'valueDateTime', 'valueInstant', 'valueString'],
  dateTime: ['valueDateTime', 'valueDate', 'valueInstant', 'valueString'],
  instant: ['valueInstant', 'valueDateTime', 'valueDate', 'valueString'],
};

/** What JSON each primitive value[x] holds; any other value[x] is a complex type (an object). */
const STRING_VALUES = new Set([
  'valueString', 'valueCode', 'valueUri', 'valueUrl', 'valueCanonical', 'valueDate', 'valueDateTime', 'valueInstant', 'valueTime',
  'valueId', 'valueOid', 'valueUuid', 'valueMarkdown', 'valueBase64Binary',
]);
const INTEGER_VALUES = new Set(['valueInteger', 'valueUnsignedInt', 'valuePositiveInt']);

export interface DeclaredParameters {
  /** The operation, for messages ($expand). */
  operation: string;
  /** The `in` parameters of its OperationDefinition (others are ignored). */
  parameters: readonly OperationDefinitionParameter[];
  /** Whether a type name is a resource type (a parameter of that type is carried in `resource`). */
  isResourceType(type: string): boolean;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The keys of a parameter that carry its content: value[x], resource, part. */
function contentKeys(p: ParametersParameter): string[] {
  return Object.keys(p).filter((k) => k.startsWith('value') || k === 'resource' || k === 'part');
}

function allowedKeys(type: string | undefined, declared: DeclaredParameters): string[] {
  if (type === undefined) return ['part'];
  if (type === 'Resource' || type === 'DomainResource' || declared.isResourceType(type)) return ['resource'];
  return VALUE_KEYS[type] ?? [`value${type.charAt(0).toUpperCase()}${type.slice(1)}`];
}

function checkValue(p: ParametersParameter, key: string, where: string): void {
  const value = (p as unknown as Record<string, unknown>)[key];
  const at = `${where}.${key}`;
  if (key === 'part') {
    if (!Array.isArray(value)) throw badRequest(`${at} must be an array of parameters`, at);
  } else if (key === 'resource') {
    if (!isObject(value) || typeof value.resourceType !== 'string') throw badRequest(`${at} must be a resource`, at);
  } else if (STRING_VALUES.has(key)) {
    if (typeof value !== 'string' || value === '') throw badRequest(`${at} must be a non-empty string`, at);
  } else if (INTEGER_VALUES.has(key)) {
    if (typeof value !== 'number' || !Number.isInteger(value)) throw badRequest(`${at} must be an integer`, at);
  } else if (key === 'valueBoolean') {
    if (typeof value !== 'boolean') throw badRequest(`${at} must be true or false`, at);
  } else if (key === 'valueDecimal') {
    if (typeof value !== 'number') throw badRequest(`${at} must be a number`, at);
  } else if (!isObject(value)) throw badRequest(`${at} must be an object`, at);
}

function checkList(list: readonly ParametersParameter[], defs: readonly OperationDefinitionParameter[], path: string, declared: DeclaredParameters, query?: URLSearchParams): void {
  const byName = new Map(defs.map((d) => [d.name as string, d]));
  list.forEach((p, i) => {
    const where = `${path}[${i}]`;
    const def = byName.get(p.name as string);
    if (!def) {
      const known = [...byName.keys()].join(', ') || 'none';
      throw badRequest(`${declared.operation} has no parameter '${String(p.name).slice(0, 64)}' (known: ${known})`, `${where}.name`);
    }
    const keys = contentKeys(p);
    if (keys.length !== 1) throw badRequest(`${where} ('${def.name}') must carry exactly one value, resource or part`, where);
    const allowed = allowedKeys(def.type, declared);
    if (!allowed.includes(keys[0])) throw badRequest(`Parameter '${def.name}' must be ${allowed.join(' or ')}, not ${keys[0]}`, where);
    checkValue(p, keys[0], where);
    if (keys[0] === 'part') checkList(p.part ?? [], def.part ?? [], `${where}.part`, declared);
  });
  for (const def of defs) {
    const name = def.name as string;
    const count = list.filter((p) => p.name === name).length + (query?.getAll(name).length ?? 0);
    if (def.max !== '*' && count > Number(def.max)) throw badRequest(`Parameter '${name}' of ${declared.operation} is given ${count} times (at most ${def.max})`, name);
    if (count < (def.min ?? 0)) throw badRequest(`Parameter '${name}' of ${declared.operation} is required`, name);
  }
}

/**
 * Checks an operation's input (the parameters of a Parameters body whose structure was already checked, and
 * the query parameters) against its declared `in` parameters: every body parameter must be declared, carry
 * one value of its declared type, and no parameter may appear more often than its cardinality allows or
 * less often than required. Answers 400 naming the parameter. Query names that are not declared are left
 * to the handler (general parameters such as _format travel there).
 */
export function checkDeclaredParameters(body: Parameters | undefined, query: URLSearchParams, declared: DeclaredParameters): void {
  const inputs = declared.parameters.filter((d) => d.use === 'in');
  checkList(body?.parameter ?? [], inputs, 'Parameters.parameter', declared, query);
}
