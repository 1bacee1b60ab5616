import { NO_AUDIT } from '../../src/kernel/audit-sink';
import { mkdtempSync, rmSync } from 'node:fs';
import { MemoryStateStore } from '../../src/store/state/memory-state-store';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type express from 'express';
import type { LucarneConfig } from '../../src/config/config';
import { loadConfig } from '../../src/config/load-config';
import { loadDefinitions, type Definitions } from '../../src/fhir/conformance/definitions';
import { createFhirRouter, type FhirRouter, type RouteDefinition } from '../../src/fhir/rest/router';
import { OPEN_ACCESS, type AccessPolicy } from '../../src/fhir/rest/access-policy';
import { ANONYMOUS_CALLER } from '../../src/fhir/rest/caller';
import { openRequestContext, type RequestContext } from '../../src/fhir/rest/request-context';
import type { ServerContext } from '../../src/fhir/rest/server-context';
import { createValidator } from '../../src/fhir/validation/create-validator';
import type { Validator } from '../../src/fhir/validation/validator';
import { withWriteRules } from '../../src/fhir/write-rules/rule-store';
import { createHttpApp } from '../../src/http/create-http-app';
import { insWriteRule } from '../../src/identity/ins-write-rule';
import { monotonicClock } from '../../src/kernel/clock';
import { sequentialIds } from '../../src/kernel/id-generator';
import { silentLogger } from '../../src/kernel/logger';
import { openEmbeddedStore } from '../../src/store/embedded/embedded-store';
import { createEmbeddedSearchIndex } from '../../src/store/embedded/search/embedded-search-index';
import type { FhirStore } from '../../src/store/store';

export const BASE_URL = 'http://127.0.0.1/fhir';

let shared: { definitions: Definitions; validator: Validator } | undefined;

export interface TestServer {
  app: express.Express;
  ctx: ServerContext;
  store: FhirStore;
  router: FhirRouter;
  /** A request context on this server, as the HTTP layer opens one per request (anonymous caller). */
  requestContext(requestId?: string): RequestContext;
  close(): Promise<void>;
}

/**
 * Where test servers keep their data. The default is a fresh embedded store in a temp folder;
 * test/mongo/rest-e2e.int.test.ts installs a MongoDB one (useTestBackend) to run these suites against it.
 */
export interface TestBackend {
  /** A fresh, empty store, synchronously (a MongoDB backend hands out stores it opened beforehand). */
  takeStore(definitions: Definitions): { store: FhirStore; dispose(): Promise<void> };
  /** Extra environment for servers built by createApp (e.g. MONGODB_URL of a fresh database). */
  takeEnv(): { env: Record<string, string>; dispose(): Promise<void> };
}

let backend: TestBackend | undefined;

/** Replaces the embedded default for the servers started afterwards in this test file (undefined restores it). */
export function useTestBackend(next: TestBackend | undefined): void {
  backend = next;
}

export function currentTestBackend(): TestBackend | undefined {
  return backend;
}

export interface TestServerOptions {
  config?: Partial<LucarneConfig>;
  operations?: RouteDefinition[];
  /** The access decision (default OPEN_ACCESS, as createApp). */
  access?: AccessPolicy;
}

/** createHttpApp over a real embedded store in a fresh temp folder; definitions are loaded once per file. */
export function startTestServer(options: TestServerOptions = {}): TestServer {
  shared ??= (() => {
    const definitions = loadDefinitions();
    return { definitions, validator: createValidator(definitions) };
  })();
  const dataDir = mkdtempSync(join(tmpdir(), 'lucarne-e2e-'));
  const clock = monotonicClock();
  const taken = backend?.takeStore(shared.definitions);
  const raw = taken?.store ?? openEmbeddedStore({ dataDir, index: createEmbeddedSearchIndex(shared.definitions, { baseUrl: BASE_URL }), clock, durability: 'normal' });
  // The server rules createApp registers.
  const writeRules = [insWriteRule()];
  const store = withWriteRules(raw, writeRules);
  const config: LucarneConfig = {
    ...loadConfig({ env: {} }),
    port: 0,
    host: '127.0.0.1',
    dataDir,
    baseUrl: BASE_URL,
    maxBodyBytes: 1024 * 1024,
    corsOrigins: ['*'],
    logLevel: 'silent',
    writerThread: false,
    allowMultipleDelete: false,
    defaultPageSize: 20,
    maxPageSize: 1000,
    shutdownTimeoutMs: 1000,
    ...options.config,
  };
  const ctx: ServerContext = {
    config,
    definitions: shared.definitions,
    store,
    state: new MemoryStateStore(),
    audit: NO_AUDIT,
    access: options.access ?? OPEN_ACCESS,
    validator: shared.validator,
    ids: sequentialIds('id'),
    clock,
    logger: silentLogger(),
    writeRules,
  };
  const router = createFhirRouter({ operations: options.operations });
  return {
    app: createHttpApp(ctx, router),
    ctx,
    store,
    router,
    requestContext: (requestId = 'test') => openRequestContext(ctx, ANONYMOUS_CALLER, requestId),
    async close() {
      await (taken ? taken.dispose() : store.close());
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
