import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Resource } from '@medplum/fhirtypes';
import { AccessDecision } from './access/access-decision';
import { createAuditTrail } from './audit/audit-trail';
import { createAuthServer, type AuthServer } from './auth/auth-server';
import type { LucarneConfig } from './config/config';
import { CONFORMANCE_FOLDERS, readConformanceFolders } from './config/conformance-folders';
import { registerBundlePatchValidate } from './fhir/bundle/register-routes';
import { registerTerminologyRoutes } from './fhir/operations/terminology-routes';
import { registerImagingRoutes } from './imaging/routes';
import { operationDefinitionUrls } from './fhir/conformance/capability-statement';
import { loadDefinitions, type Definitions } from './fhir/conformance/definitions';
import { CONFORMANCE_TYPES, servedConformanceResources } from './fhir/conformance/served-resources';
import { OPEN_ACCESS, type AccessPolicy } from './fhir/rest/access-policy';
import { ANONYMOUS_CALLER, type Caller } from './fhir/rest/caller';
import type { FhirRequest, FhirResponse } from './fhir/rest/fhir-request';
import { openRequestContext } from './fhir/rest/request-context';
import { createFhirRouter, type FhirRouter } from './fhir/rest/router';
import type { ServerContext } from './fhir/rest/server-context';
import { createValidator } from './fhir/validation/create-validator';
import { backfillClaims } from './fhir/write-rules/backfill-claims';
import { withWriteRules } from './fhir/write-rules/rule-store';
import { insWriteRule } from './identity/ins-write-rule';
import { terminologySearchResolver } from './fhir/terminology/search-resolver';
import { TerminologyService } from './fhir/terminology/terminology-service';
import { monotonicClock, systemClock, type Clock } from './kernel/clock';
import { NO_AUDIT } from './kernel/audit-sink';
import { FhirError } from './kernel/errors';
import type { WebRoute } from './kernel/web-route';
import { uuidGenerator, type IdGenerator } from './kernel/id-generator';
import { silentLogger } from './kernel/logger';
import { openEmbeddedStore, openEmbeddedStoreWithWriterThread, type Durability } from './store/embedded/embedded-store';
import { createEmbeddedSearchIndex } from './store/embedded/search/embedded-search-index';
import { openMongoStore } from './store/mongo/mongo-store';
import { ReadOnlyMemoryStore } from './store/read-only/memory-store';
import { RoutedStore } from './store/read-only/routed-store';
import { openStateStore } from './store/state/open-state-store';
import { sharedSecret } from './store/state/shared-secret';
import { usePageTokenKey } from './fhir/rest/page-token';
import type { FhirStore } from './store/store';

export interface CreateAppOptions {
  logger?: Logger;
  clock?: Clock;
  ids?: IdGenerator;
  /** Folder holding profiles/, ig/ and terminology/ (default: the repository or image root). */
  root?: string;
  /** Embedded store durability (default 'full': every acknowledged write is fsynced). */
  durability?: Durability;
  /** The access decision of every request (default: SMART authorization, or none when config.auth is 'open'). */
  access?: AccessPolicy;
}

/** Lucarne without its network listener: what the HTTP server, the CLI and tests drive. */
export interface LucarneApp {
  readonly ctx: ServerContext;
  readonly router: FhirRouter;
  /** The authorization server's plain web endpoints (SMART discovery, OAuth, sign-in), for the HTTP layer. */
  readonly webRoutes: readonly WebRoute[];
  /** The caller of a FHIR request, from its Authorization header (the anonymous caller when auth is open). */
  callerOf(authorization: string | undefined): Promise<Caller>;
  /** The authorization server (tokens, clients), absent when auth is open. */
  readonly auth?: AuthServer;
  /** Runs one FHIR interaction as `caller` (default: anonymous); a FhirError becomes its OperationOutcome response. */
  handle(request: FhirRequest, caller?: Caller): Promise<FhirResponse>;
  /** Closes the store. Idempotent. */
  close(): Promise<void>;
}

/** Where profiles/, ig/ and terminology/ live: beside package.json, from src/ as from dist/src/. */
export function projectRoot(): string {
  for (const candidate of [resolve(__dirname, '..'), resolve(__dirname, '..', '..')]) {
    if (existsSync(join(candidate, 'package.json'))) return candidate;
  }
  return process.cwd();
}

/**
 * The composition root: loads the definitions (R4 plus profiles/, ig/, terminology/), builds the validator,
 * the store chosen by the configuration and the FHIR router, and hands them out as one ServerContext.
 */
export async function createApp(config: LucarneConfig, options: CreateAppOptions = {}): Promise<LucarneApp> {
  const logger = options.logger ?? silentLogger();
  const clock = options.clock ?? systemClock;

  const conformance = readConformanceFolders(CONFORMANCE_FOLDERS, options.root ?? projectRoot());
  for (const skipped of conformance.skipped) logger.warn(skipped, 'conformance file skipped');
  const definitions = loadDefinitions({ extra: conformance.resources });
  const validator = createValidator(definitions);
  const router = createFhirRouter();
  registerBundlePatchValidate(router);
  const terminology = new TerminologyService(definitions, conformance.resources, () => clock.now());
  registerTerminologyRoutes(router, terminology);
  registerImagingRoutes(router);
  // Server rules every write passes, whatever the profiles: the INS check key and one INS per Patient.
  const rules = [insWriteRule()];
  const raw = await openStore(config, definitions, conformance.resources, clock, logger, options.durability);
  const state = await openStateStore(config, clock, raw);
  // Page links made by one process are followed at another, and after a restart.
  usePageTokenKey(await sharedSecret(state, 'page-token-key'));
  const smart = config.auth === 'smart';
  // The audit trail of a server with authorization: a durable journal, then chained BALP AuditEvents that
  // no request may change (an open server records nothing: it knows no one).
  const trail = smart ? await createAuditTrail({ config, store: raw, state, clock, logger: logger.child({ component: 'audit' }) }) : undefined;
  trail?.registerRoutes(router);
  const database = withWriteRules(trail ? trail.appendOnly(raw) : raw, rules);
  try {
    await backfillClaims(database, rules, logger);
  } catch (err) {
    await Promise.all([database.close(), trail?.stop(), state.close()]);
    throw err;
  }
  const store = withConformanceResources(database, definitions, router, config, clock);
  const audit = trail?.sink ?? NO_AUDIT;
  // The sign-in pages read patients as the signed-in user through the one door, like any other request.
  const dispatch = (request: FhirRequest, caller: Caller) => answer(request, caller);
  const auth = smart ? await createAuthServer({ config, state, store, clock, logger, audit, dispatch }) : undefined;
  trail?.start();
  // The access decision looks a patient's linked records up in the server's own (unconfined) context.
  const access = options.access ?? (config.auth === 'open' ? OPEN_ACCESS : new AccessDecision(() => ctx));
  const ctx: ServerContext = Object.freeze({
    config,
    definitions,
    store,
    state,
    access,
    audit,
    ...(auth ? { security: auth.security } : {}),
    validator,
    ids: options.ids ?? uuidGenerator,
    clock,
    logger,
    terminology: terminologySearchResolver(terminology),
    writeRules: rules,
  });

  async function answer(request: FhirRequest, caller: Caller): Promise<FhirResponse> {
    try {
      return await router.handle(openRequestContext(ctx, caller, randomUUID()), request);
    } catch (e) {
      if (e instanceof FhirError) return { status: e.status, headers: e.headers, body: e.outcome };
      throw e;
    }
  }

  let closing: Promise<void> | undefined;
  return {
    ctx,
    router,
    webRoutes: auth?.routes ?? [],
    ...(auth ? { auth } : {}),
    callerOf: auth ? (authorization) => auth.callerOf(authorization) : async () => ANONYMOUS_CALLER,
    handle: (request, caller = ANONYMOUS_CALLER) => answer(request, caller),
    close() {
      closing ??= (async () => {
        await trail?.stop();
        await Promise.all([store.close(), state.close()]);
      })();
      return closing;
    },
  };
}

/**
 * The database behind a read-only in-memory store of the conformance resources Lucarne loaded (see
 * servedConformanceResources): those types are read and searched there, and writing them answers 405.
 */
function withConformanceResources(database: FhirStore, definitions: Definitions, router: FhirRouter, config: LucarneConfig, clock: Clock): FhirStore {
  const operations = operationDefinitionUrls(definitions, router.routes());
  const memory = new ReadOnlyMemoryStore(
    () => servedConformanceResources(definitions, definitions.extra, operations),
    createEmbeddedSearchIndex(definitions, { baseUrl: config.baseUrl }),
    clock.now(),
    (type) => `${type} resources are read-only here: the server serves the conformance resources it loaded at start-up (profiles/, ig/, terminology/ and the R4 definitions)`,
  );
  return new RoutedStore(database, memory, CONFORMANCE_TYPES, true);
}

/** The backend chosen by the configuration: MongoDB when MONGODB_URL is set, else the embedded store. */
async function openStore(
  config: LucarneConfig,
  definitions: Definitions,
  conformance: Resource[],
  clock: Clock,
  logger: Logger,
  durability: Durability | undefined,
): Promise<FhirStore> {
  if (config.mongodbUrl) {
    return openMongoStore({
      url: config.mongodbUrl,
      definitions,
      baseUrl: config.baseUrl,
      clock: monotonicClock(clock),
      logger: logger.child({ component: 'mongo-store' }),
    });
  }
  const options = {
    dataDir: resolve(config.dataDir),
    index: createEmbeddedSearchIndex(definitions, { baseUrl: config.baseUrl }),
    clock: monotonicClock(clock),
    logger,
    durability,
  };
  if (!config.writerThread) return openEmbeddedStore(options);
  // The thread loads the same definitions (R4 plus the conformance folders) for its own index.
  return openEmbeddedStoreWithWriterThread(options, { kind: 'fhir', extra: conformance, baseUrl: config.baseUrl });
}
