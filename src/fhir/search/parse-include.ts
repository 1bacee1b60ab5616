import { badRequest } from '../../kernel/errors';
import type { Definitions } from '../conformance/definitions';
import type { IncludeRule } from './search-request';

/**
 * `_include` / `_revinclude` values: `Type:param`, `Type:param:Target`, `Type:*` or `*`, with the
 * `:iterate` (or R4's older `:recurse`) modifier on the parameter name. A malformed rule is a 400.
 * `*` alone means every reference parameter of the searched types (include) or of every type (revinclude
 * is refused: it would scan the whole reference index).
 */
export function parseIncludeRules(
  definitions: Definitions, searched: readonly string[], key: string, raw: string,
): IncludeRule[] {
  const [name, modifier] = key.split(':');
  if (modifier !== undefined && modifier !== 'iterate' && modifier !== 'recurse') {
    throw badRequest(`${key}: unknown modifier :${modifier}`, key);
  }
  const iterate = modifier !== undefined;
  return raw.split(',').filter(Boolean).flatMap((value) => {
    if (value === '*') {
      if (name === '_revinclude') throw badRequest(`${key}: '*' is only supported as Type:*`, key);
      return searched.map((resourceType) => ({ resourceType, code: '*', iterate }));
    }
    const parts = value.split(':');
    if (parts.length < 2 || parts.length > 3) throw badRequest(`${key}: expected Type:parameter[:targetType], got '${value}'`, key);
    const [resourceType, code, targetType] = parts;
    if (!definitions.isResourceType(resourceType)) throw badRequest(`${key}: unknown type '${resourceType}'`, key);
    if (code !== '*') {
      const param = definitions.searchParameter(resourceType, code);
      if (param?.type !== 'reference') throw badRequest(`${key}: '${code}' is not a reference parameter of ${resourceType}`, key);
      const targets = param.target ?? [];
      if (targetType !== undefined && targets.length > 0 && !targets.includes(targetType as never)) {
        throw badRequest(`${key}: ${targetType} is not a target of ${resourceType}:${code}`, key);
      }
    }
    if (targetType !== undefined && !definitions.isResourceType(targetType)) {
      throw badRequest(`${key}: unknown target type '${targetType}'`, key);
    }
    const rule: IncludeRule = { resourceType, code, iterate };
    if (targetType !== undefined) rule.targetType = targetType;
    return [rule];
  });
}
