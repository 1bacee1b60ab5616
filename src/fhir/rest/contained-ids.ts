import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { issue } from '../../kernel/errors';

/**
 * An issue for the first contained resource whose id another contained resource already has: local
 * references (#id) must designate one resource, so such a resource cannot be stored. Undefined when none.
 */
export function duplicateContainedId(resource: unknown): OperationOutcomeIssue | undefined {
  if (typeof resource !== 'object' || resource === null) return undefined;
  const { resourceType, contained } = resource as { resourceType?: unknown; contained?: unknown };
  if (!Array.isArray(contained)) return undefined;
  const seen = new Set<string>();
  for (let i = 0; i < contained.length; i++) {
    const id = (contained[i] as { id?: unknown } | null)?.id;
    if (typeof id !== 'string') continue;
    if (seen.has(id)) return issue('invalid', `Contained resources must have distinct ids; '${id.slice(0, 64)}' is repeated`, `${String(resourceType)}.contained[${i}].id`);
    seen.add(id);
  }
  return undefined;
}
