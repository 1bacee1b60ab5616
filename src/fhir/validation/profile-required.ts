import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import type { LucarneConfig } from '../../config/config';
import { assertValid } from './assert-valid';
import type { Validator } from './validator';

const parsed = new WeakMap<object, ReadonlyMap<string, readonly string[]>>();

/** The `requiredProfiles` setting (`Type=url` entries) as type -> profile URLs, parsed once per config. */
export function requiredProfilesByType(config: Pick<LucarneConfig, 'requiredProfiles'>): ReadonlyMap<string, readonly string[]> {
  let byType = parsed.get(config);
  if (!byType) {
    const map = new Map<string, string[]>();
    for (const entry of config.requiredProfiles ?? []) {
      const cut = entry.indexOf('=');
      const type = entry.slice(0, cut).trim();
      const url = entry.slice(cut + 1).trim();
      if (cut > 0 && url) map.set(type, [...(map.get(type) ?? []), url]);
    }
    byType = map;
    parsed.set(config, byType);
  }
  return byType;
}

/**
 * On create and update: checks the resource against the profiles its type is required to conform to (those
 * it already declares in meta.profile were checked with the body). Throws 422 with every issue; returns the
 * warnings. An unknown required profile is reported as an error: the server is configured to refuse what it
 * cannot check.
 */
export function enforceRequiredProfiles(
  ctx: { config: Pick<LucarneConfig, 'requiredProfiles'>; validator: Validator },
  resource: Resource,
): OperationOutcomeIssue[] {
  const required = requiredProfilesByType(ctx.config).get(resource.resourceType);
  if (!required) return [];
  const declared = resource.meta?.profile ?? [];
  const missing = required.filter((url) => !declared.includes(url));
  if (missing.length === 0) return [];
  for (const url of missing) {
    if (ctx.validator.knowsProfile && !ctx.validator.knowsProfile(url)) {
      assertValid({ validate: () => [unknownRequired(resource.resourceType, url)] }, resource);
    }
  }
  return assertValid(ctx.validator, resource, { profiles: missing, base: false });
}

function unknownRequired(type: string, url: string): OperationOutcomeIssue {
  return {
    severity: 'error',
    code: 'business-rule',
    diagnostics: `This server requires ${type} resources to conform to '${url}', a profile it does not know`,
    expression: [type],
  };
}
