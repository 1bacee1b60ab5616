import type { Parameters } from '@medplum/fhirtypes';
import { badRequest } from '../../kernel/errors';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks that `body` has the structure of a Parameters resource before anything reads it: an object with
 * resourceType Parameters whose `parameter` (and every `part`) is an array of objects with a non-empty
 * string `name`. Answers 400 naming the first place that is not, so no operation meets a string, a null or
 * a number where it expects a parameter. `what` names the operation in the message.
 */
export function assertParametersShape(body: unknown, what: string): Parameters {
  if (!isObject(body) || body.resourceType !== 'Parameters') throw badRequest(`The body of ${what} must be a Parameters resource`);
  const stack: [unknown, string][] = [[body.parameter, 'Parameters.parameter']];
  while (stack.length > 0) {
    const [list, path] = stack.pop()!;
    if (list === undefined) continue;
    if (!Array.isArray(list)) throw badRequest(`${path} must be an array of parameters`, path);
    list.forEach((item, i) => {
      const at = `${path}[${i}]`;
      if (!isObject(item)) throw badRequest(`${at} must be an object`, at);
      if (typeof item.name !== 'string' || item.name === '') throw badRequest(`${at} needs a name (a non-empty string)`, `${at}.name`);
      stack.push([item.part, `${at}.part`]);
    });
  }
  return body as unknown as Parameters;
}
