import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { Definitions } from '../conformance/definitions';
import { TerminologyService } from '../terminology/terminology-service';
import { ElementTable } from './element-table';
import { ProfileValidator } from './profile-validator';
import { ResourceWalker } from './resource-walker';
import { ValidationContext } from './validation-context';
import type { ValidateOptions, Validator } from './validator';
import { ValueSetCodeResolver } from './value-set-codes';

export interface CreateValidatorOptions {
  /** The terminology behind profile bindings (default: one built from the definitions, which hold terminology/). */
  terminology?: TerminologyService;
}

/**
 * The R4 structural validator: JSON shape, unknown elements, cardinality, primitive formats, required
 * bindings, reference syntax, contained resources and extensions. Element tables and value set expansions
 * are compiled lazily, once per type and ValueSet, so start-up costs nothing and validation is map lookups.
 * Then, when the resource is structurally sound, the profiles it declares in meta.profile and those asked for
 * (options.profile, options.profiles), each compiled once (see ProfileValidator).
 */
export function createValidator(definitions: Definitions, options: CreateValidatorOptions = {}): Validator {
  const walker = new ResourceWalker(
    definitions,
    new ElementTable(definitions),
    new ValueSetCodeResolver(definitions),
  );
  let profiles: ProfileValidator | undefined;
  const profileValidator = () => (profiles ??= new ProfileValidator(definitions, options.terminology ?? new TerminologyService(definitions)));
  return {
    validate(resource: unknown, validateOptions?: ValidateOptions): OperationOutcomeIssue[] {
      const ctx = new ValidationContext();
      const base = validateOptions?.base !== false;
      if (base) walker.resource(resource, '', 0, ctx, false);
      if (ctx.issues.some((i) => i.severity === 'error' || i.severity === 'fatal')) return ctx.issues;
      if (typeof resource !== 'object' || resource === null) return ctx.issues;
      const r = resource as Record<string, unknown>;
      const type = String(r.resourceType);
      const declared = base ? declaredProfiles(r) : [];
      declared.forEach((url, i) => profileValidator().validate(r, url, ctx, `${type}.meta.profile[${i}]`));
      const asked = [...(validateOptions?.profile ? [validateOptions.profile] : []), ...(validateOptions?.profiles ?? [])];
      for (const url of asked) if (!declared.includes(url)) profileValidator().validate(r, url, ctx, type);
      return ctx.issues;
    },
    knowsProfile: (url: string) => profileValidator().knows(url),
  };
}

function declaredProfiles(resource: Record<string, unknown>): string[] {
  const profile = (resource.meta as { profile?: unknown } | undefined)?.profile;
  return Array.isArray(profile) ? profile.filter((p): p is string => typeof p === 'string') : [];
}
