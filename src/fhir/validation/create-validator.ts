import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { Definitions } from '../conformance/definitions';
import { ElementTable } from './element-table';
import { ResourceWalker } from './resource-walker';
import { ValidationContext } from './validation-context';
import type { ValidateOptions, Validator } from './validator';
import { ValueSetCodeResolver } from './value-set-codes';

/**
 * The R4 structural validator: JSON shape, unknown elements, cardinality, primitive formats, required
 * bindings, reference syntax, contained resources and extensions. Element tables and value set expansions
 * are compiled lazily, once per type and ValueSet, so start-up costs nothing and validation is map lookups.
 */
export function createValidator(definitions: Definitions): Validator {
  const walker = new ResourceWalker(
    definitions,
    new ElementTable(definitions),
    new ValueSetCodeResolver(definitions),
  );
  return {
    validate(resource: unknown, _options?: ValidateOptions): OperationOutcomeIssue[] {
      const ctx = new ValidationContext();
      walker.resource(resource, '', 0, ctx, false);
      return ctx.issues;
    },
  };
}
