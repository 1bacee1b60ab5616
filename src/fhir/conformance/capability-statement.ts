import type {
  CapabilityStatement,
  CapabilityStatementRestResource,
  CapabilityStatementRestSecurity,
  CapabilityStatementRestResourceInteraction,
  CapabilityStatementRestResourceOperation,
  CapabilityStatementRestResourceSearchParam,
  OperationDefinition,
} from '@medplum/fhirtypes';
import type { LucarneConfig } from '../../config/config';
import { SEARCH_DOCUMENTATION, SEARCHABLE_TYPES, searchHandlingDocumentation, UNSUPPORTED_PARAMETERS } from './capability-statement-search';
import type { Definitions } from './definitions';

/** A registered route as the CapabilityStatement sees it (method + router pattern). */
export interface RouteInfo {
  method: string;
  pattern: string;
}


const OPERATION_PATTERN = /(^|\/)\$[A-Za-z-]+$/;

type TypeInteraction = CapabilityStatementRestResourceInteraction['code'];

/** Which type-level interaction each route (method + pattern) provides. */
const TYPE_INTERACTIONS: Record<string, TypeInteraction> = {
  'GET :type/:id': 'read',
  'GET :type/:id/_history/:vid': 'vread',
  'PUT :type/:id': 'update',
  'PATCH :type/:id': 'patch',
  'DELETE :type/:id': 'delete',
  'GET :type/:id/_history': 'history-instance',
  'GET :type/_history': 'history-type',
  'POST :type': 'create',
  'GET :type': 'search-type',
};

export interface CapabilityOptions {
  /** The instant written as `date` (the server's start). */
  date: string;
  software?: { name: string; version: string };
  /** Whether the store runs transaction Bundles all or nothing (FhirStore.supportsTransactions; default true). */
  transactions?: boolean;
  /** Types served read-only (FhirStore.readOnlyTypes): they list only the interactions that read. */
  readOnlyTypes?: ReadonlySet<string>;
  /** rest.security: how clients authorize (SMART on FHIR), when authorization is on. */
  security?: CapabilityStatementRestSecurity;
}

const READ_INTERACTIONS: ReadonlySet<TypeInteraction> = new Set(['read', 'vread', 'history-instance', 'history-type', 'search-type']);

/** resource.documentation of a type served read-only. */
export const READ_ONLY_DOCUMENTATION =
  'Read-only: the resources of this type are the conformance resources the server loaded at start-up (its profiles, ' +
  'implementation guide and terminology, and the R4 definitions they use); create, update and delete answer 405.';

/** rest.documentation sentence when the store cannot run transaction Bundles (e.g. MongoDB without a replica set). */
export const NO_TRANSACTION_DOCUMENTATION =
  'Transaction Bundles are not supported by this deployment: its database (a MongoDB server that is not a replica set, ' +
  'or FerretDB) has no multi-document transactions, so a Bundle of type transaction is refused with an OperationOutcome ' +
  'before anything is written. Batch Bundles are supported.';

/**
 * The CapabilityStatement of this server, generated from the routes really registered and the search
 * parameters the search module supports, so it never advertises what would fail.
 */
export function buildCapabilityStatement(
  definitions: Definitions,
  config: Pick<LucarneConfig, 'baseUrl' | 'allowMultipleDelete'> & Partial<Pick<LucarneConfig, 'searchHandling'>>,
  routes: readonly RouteInfo[],
  options: CapabilityOptions,
): CapabilityStatement {
  const has = new Set(routes.map((r) => `${r.method} ${r.pattern}`));
  const interactions = Object.entries(TYPE_INTERACTIONS)
    .filter(([route]) => has.has(route))
    .map(([, code]) => ({ code }));
  const operations = routes.filter((r) => OPERATION_PATTERN.test(r.pattern)).map((r) => operationScope(definitions, r.pattern));
  const profiles = supportedProfiles(definitions);
  const guides = definitions.extra.flatMap((r) => (r.resourceType === 'ImplementationGuide' && r.url ? [r.url] : []));
  const typeOperations = uniqueOperations(operations.filter((o) => o.scope === ':type'));
  const canSearch = has.has('GET :type');

  const readOnlyTypes = options.readOnlyTypes ?? new Set<string>();
  const readInteractions = interactions.filter((i) => READ_INTERACTIONS.has(i.code));

  const resource: CapabilityStatementRestResource[] = definitions.resourceTypes.map((type) => {
    const readOnly = readOnlyTypes.has(type);
    const entry: CapabilityStatementRestResource = {
      type: type as CapabilityStatementRestResource['type'],
      profile: `http://hl7.org/fhir/StructureDefinition/${type}`,
      ...(profiles.has(type) ? { supportedProfile: profiles.get(type) } : {}),
      ...(readOnly ? { documentation: READ_ONLY_DOCUMENTATION } : {}),
      interaction: readOnly ? readInteractions : interactions,
      versioning: 'versioned',
      readHistory: has.has('GET :type/:id/_history/:vid'),
      updateCreate: !readOnly && has.has('PUT :type/:id'),
      conditionalCreate: !readOnly && has.has('POST :type'),
      conditionalRead: has.has('GET :type/:id') ? 'full-support' : 'not-supported',
      conditionalUpdate: !readOnly && has.has('PUT :type'),
      conditionalDelete: readOnly || !has.has('DELETE :type') ? 'not-supported' : config.allowMultipleDelete ? 'multiple' : 'single',
    };
    if (canSearch) {
      entry.searchParam = searchParams(definitions, type);
      const refs = entry.searchParam.filter((p) => p.type === 'reference').map((p) => `${type}:${p.name}`);
      entry.searchInclude = ['*', ...refs];
      entry.searchRevInclude = definitions.resourceTypes.flatMap((other) =>
        definitions.searchParameters(other)
          .filter((p) => p.type === 'reference' && (p.target ?? []).includes(type as never))
          .map((p) => `${other}:${p.code}`),
      );
    }
    const ownOperations = [...typeOperations, ...uniqueOperations(operations.filter((o) => o.scope === type))];
    if (ownOperations.length > 0) entry.operation = ownOperations;
    return entry;
  });

  const systemInteractions: { code: 'transaction' | 'batch' | 'search-system' | 'history-system' }[] = [];
  const transactions = options.transactions ?? true;
  if (has.has('POST ')) systemInteractions.push(...(transactions ? [{ code: 'transaction' as const }] : []), { code: 'batch' });
  const documentation = [
    ...(canSearch ? [SEARCH_DOCUMENTATION, searchHandlingDocumentation(config.searchHandling ?? 'lenient')] : []),
    ...(has.has('POST ') && !transactions ? [NO_TRANSACTION_DOCUMENTATION] : []),
  ].join('\n\n');
  if (has.has('GET ')) systemInteractions.push({ code: 'search-system' });
  if (has.has('GET _history')) systemInteractions.push({ code: 'history-system' });
  const systemOperations = uniqueOperations(operations.filter((o) => o.scope === 'system'));

  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: options.date,
    kind: 'instance',
    software: options.software ?? { name: 'Lucarne', version: '0.1.0' },
    implementation: { description: 'Lucarne FHIR R4 server', url: config.baseUrl },
    ...(guides.length > 0 ? { implementationGuide: guides } : {}),
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    ...(has.has('PATCH :type/:id') ? { patchFormat: ['application/json-patch+json', 'application/fhir+json'] } : {}),
    rest: [
      {
        mode: 'server',
        ...(documentation ? { documentation } : {}),
        ...(options.security ? { security: options.security } : {}),
        resource,
        interaction: systemInteractions,
        ...(systemOperations.length > 0 ? { operation: systemOperations } : {}),
      },
    ],
  };
}

interface OperationRoute {
  name: string;
  /** 'system' ([base]/$op), ':type' (every type) or one resource type (ValueSet/$expand). */
  scope: string;
  definition: string;
}

/**
 * Where an operation route belongs and the OperationDefinition it implements: one loaded from ig/ for that
 * code and scope when there is one (Lucarne's own operations), else the R4 one.
 */
function operationScope(definitions: Definitions, pattern: string): OperationRoute {
  const name = pattern.slice(pattern.lastIndexOf('$') + 1);
  const first = pattern.split('/')[0];
  const scope = first.startsWith('$') ? 'system' : definitions.isResourceType(first) ? first : ':type';
  const owner = scope === ':type' || scope === 'system' ? 'Resource' : scope;
  const own = definitions.extra.find(
    (r): r is OperationDefinition =>
      r.resourceType === 'OperationDefinition' &&
      r.code === name &&
      (scope === 'system' ? r.system === true : (r.resource ?? []).includes(owner as never)),
  );
  return { name, scope, definition: own?.url ?? `http://hl7.org/fhir/OperationDefinition/${owner}-${name}` };
}

/** The canonical URL of the OperationDefinition of every operation route (what the statement lists). */
export function operationDefinitionUrls(definitions: Definitions, routes: readonly RouteInfo[]): string[] {
  const urls = routes.filter((r) => OPERATION_PATTERN.test(r.pattern)).map((r) => operationScope(definitions, r.pattern).definition);
  return [...new Set(urls)];
}

/** The Lucarne profiles (loaded StructureDefinitions constraining a resource type) of each type. */
function supportedProfiles(definitions: Definitions): Map<string, string[]> {
  const byType = new Map<string, string[]>();
  for (const r of definitions.extra) {
    if (r.resourceType !== 'StructureDefinition' || r.derivation !== 'constraint' || r.kind !== 'resource' || !r.url) continue;
    byType.set(r.type, [...(byType.get(r.type) ?? []), r.url]);
  }
  return byType;
}

function uniqueOperations(ops: OperationRoute[]): CapabilityStatementRestResourceOperation[] {
  const byName = new Map(ops.map((o) => [o.name, o.definition]));
  return [...byName.keys()].sort().map((name) => ({ name, definition: byName.get(name) as string }));
}

function searchParams(definitions: Definitions, type: string): CapabilityStatementRestResourceSearchParam[] {
  const params: CapabilityStatementRestResourceSearchParam[] = [];
  for (const sp of definitions.searchParameters(type)) {
    if (!SEARCHABLE_TYPES.has(sp.type as string) || UNSUPPORTED_PARAMETERS.has(sp.code as string)) continue;
    params.push({ name: sp.code as string, definition: sp.url, type: sp.type as CapabilityStatementRestResourceSearchParam['type'] });
  }
  return params.sort((a, b) => a.name.localeCompare(b.name));
}
