import type { SearchParameter } from '@medplum/fhirtypes';
import { badRequest } from '../../kernel/errors';
import type { Definitions } from '../conformance/definitions';
import type { ValueContext } from './parse-values';
import type { SearchValue } from './search-request';

/** Splits on `$` not escaped by a backslash, keeping the escapes for the component parsers. */
function splitDollar(raw: string): string[] {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === '\\') i++;
    else if (raw[i] === '$') {
      parts.push(raw.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(raw.slice(start));
  return parts;
}

/** The component definitions of a composite parameter, in order (400 if one cannot be found). */
export function compositeComponents(definitions: Definitions, param: SearchParameter, name: string): SearchParameter[] {
  return (param.component ?? []).map((c) => {
    const definition = definitions.canonical<SearchParameter>(c.definition);
    if (!definition || definition.resourceType !== 'SearchParameter' || definition.type === 'composite') {
      throw badRequest(`${name}: component ${c.definition} is not a usable search parameter`, name);
    }
    return definition;
  });
}

/** `a$b`: each part parsed as its component's type (`code-value-quantity=loinc|8480-6$gt100|unitsofmeasure|mm[Hg]`). */
export function parseComposite(
  definitions: Definitions,
  raw: string,
  c: ValueContext,
  parsers: Record<string, (raw: string, c: ValueContext) => SearchValue>,
): SearchValue {
  const components = compositeComponents(definitions, c.param, c.name);
  const parts = splitDollar(raw);
  if (parts.length !== components.length || parts.some((p) => p === '')) {
    throw badRequest(`${c.name}: expected ${components.length} values separated by '$', got '${raw}'`, c.name);
  }
  return {
    kind: 'composite',
    components: parts.map((part, i) => {
      const parser = parsers[components[i].type];
      if (!parser) throw badRequest(`${c.name}: component type ${components[i].type} is not searchable`, c.name);
      return parser(part, { ...c, param: components[i], modifier: undefined });
    }),
  };
}
