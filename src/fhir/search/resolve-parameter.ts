import type { SearchParameter } from '@medplum/fhirtypes';
import { badRequest } from '../../kernel/errors';
import type { Definitions } from '../conformance/definitions';
import type { ChainLink } from './search-request';

/** Links a chain may have (forward and `_has` together): deeper searches are refused, not run. */
export const MAX_CHAIN_LINKS = 4;

/** A query parameter name resolved to the parameter it finally tests and the links leading to it. */
export interface ResolvedParameter {
  code: string;
  param: SearchParameter;
  modifier?: string;
  chain: ChainLink[];
  /** The types the final parameter applies to (the searched types, or those at the end of the chain). */
  types: string[];
}

/**
 * `code[:modifier]`, `ref[:Type].rest` (forward chain) or `_has:Type:ref:rest` (reverse chain), recursively.
 * Undefined when a code is not a parameter of the types it applies to (an unknown parameter); 400 when the
 * name is malformed, too deep, or an untyped chain is ambiguous (the targets define the code with different
 * types). An untyped chain whose targets agree searches all of them (`subject.identifier` on ImagingStudy).
 */
export function resolveParameter(
  definitions: Definitions, types: readonly string[], key: string, name = key, chain: ChainLink[] = [],
): ResolvedParameter | undefined {
  if (chain.length > MAX_CHAIN_LINKS) throw badRequest(`${name}: chains are limited to ${MAX_CHAIN_LINKS} links`, name);
  if (key.startsWith('_has:')) return resolveHas(definitions, types, key, name, chain);
  const dot = key.indexOf('.');
  if (dot >= 0) return resolveForward(definitions, types, key.slice(0, dot), key.slice(dot + 1), name, chain);
  const colon = key.indexOf(':');
  const code = colon >= 0 ? key.slice(0, colon) : key;
  const param = commonParameter(definitions, types, code);
  if (!param) return undefined;
  const resolved: ResolvedParameter = { code, param, chain, types: [...types] };
  if (colon >= 0) resolved.modifier = key.slice(colon + 1);
  return resolved;
}

function resolveHas(
  definitions: Definitions, types: readonly string[], key: string, name: string, chain: ChainLink[],
): ResolvedParameter | undefined {
  const parts = key.split(':');
  if (parts.length < 4 || parts.slice(1, 4).some((p) => p === '')) {
    throw badRequest(`${name}: _has expects _has:Type:reference:parameter`, name);
  }
  const [, resourceType, code] = parts;
  if (!definitions.isResourceType(resourceType)) throw badRequest(`${name}: unknown type '${resourceType}'`, name);
  const param = definitions.searchParameter(resourceType, code);
  if (param?.type !== 'reference') throw badRequest(`${name}: '${code}' is not a reference parameter of ${resourceType}`, name);
  const targets = param.target ?? [];
  if (targets.length > 0 && !types.some((t) => targets.includes(t as never))) {
    throw badRequest(`${name}: ${resourceType}.${code} cannot point at ${types.join(', ')}`, name);
  }
  const link: ChainLink = { direction: 'reverse', resourceType, code, param };
  return resolveParameter(definitions, [resourceType], parts.slice(3).join(':'), name, [...chain, link]);
}

function resolveForward(
  definitions: Definitions, types: readonly string[], head: string, rest: string, name: string, chain: ChainLink[],
): ResolvedParameter | undefined {
  const colon = head.indexOf(':');
  const code = colon >= 0 ? head.slice(0, colon) : head;
  const typeModifier = colon >= 0 ? head.slice(colon + 1) : undefined;
  const param = commonParameter(definitions, types, code);
  if (!param) return undefined;
  if (param.type !== 'reference') throw badRequest(`${name}: only reference parameters can be chained, not '${code}'`, name);
  const declared = (param.target ?? []).filter((t) => definitions.isResourceType(t)) as string[];
  let targets: string[];
  if (typeModifier !== undefined) {
    if (!definitions.isResourceType(typeModifier) || (declared.length > 0 && !declared.includes(typeModifier))) {
      throw badRequest(`${name}: ${typeModifier} is not a target type of ${code}`, name);
    }
    targets = [typeModifier];
  } else {
    const candidates = declared.length > 0 ? declared : [...definitions.resourceTypes];
    const next = nextCode(rest);
    targets = candidates.filter((t) => next === '_has' || definitions.searchParameter(t, next) !== undefined);
    if (targets.length === 0) return undefined;
    const kinds = new Set(targets.map((t) => (next === '_has' ? 'has' : definitions.searchParameter(t, next)!.type)));
    if (kinds.size > 1) {
      throw badRequest(
        `${name}: ambiguous chain, '${next}' differs between the targets of ${code} (${targets.join(', ')}); ` +
          `name the type as ${code}:Type.${rest}`,
        name,
      );
    }
  }
  const link: ChainLink = { direction: 'forward', code, param, targetTypes: targets };
  return resolveParameter(definitions, targets, rest, name, [...chain, link]);
}

/** The first parameter code of a (possibly chained) key: `name` of `name:exact`, `organization` of `organization.name`. */
function nextCode(key: string): string {
  return /^[^.:]*/.exec(key)![0];
}

/** The definition of `code` if every type has it with the same kind. */
export function commonParameter(definitions: Definitions, types: readonly string[], code: string): SearchParameter | undefined {
  let found: SearchParameter | undefined;
  for (const type of types) {
    const param = definitions.searchParameter(type, code);
    if (!param || (found && found.type !== param.type)) return undefined;
    found ??= param;
  }
  return found;
}
