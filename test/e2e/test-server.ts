import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type express from 'express';
import type { LucarneConfig } from '../../src/config/config';
import { loadDefinitions, type Definitions } from '../../src/fhir/conformance/definitions';
import { createFhirRouter, type FhirRouter, type RouteDefinition } from '../../src/fhir/rest/router';
import type { ServerContext } from '../../src/fhir/rest/server-context';
import { createValidator } from '../../src/fhir/validation/create-validator';
import type { Validator } from '../../src/fhir/validation/validator';
import { createHttpApp } from '../../src/http/create-http-app';
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
  close(): Promise<void>;
}

export interface TestServerOptions {
  config?: Partial<LucarneConfig>;
  operations?: RouteDefinition[];
}

/** createHttpApp over a real embedded store in a fresh temp folder; definitions are loaded once per file. */
export function startTestServer(options: TestServerOptions = {}): TestServer {
  shared ??= (() => {
    const definitions = loadDefinitions();
    return { definitions, validator: createValidator(definitions) };
  })();
  const dataDir = mkdtempSync(join(tmpdir(), 'lucarne-e2e-'));
  const clock = monotonicClock();
  const store = openEmbeddedStore({ dataDir, index: createEmbeddedSearchIndex(shared.definitions), clock, durability: 'normal' });
  const config: LucarneConfig = {
    port: 0,
    host: '127.0.0.1',
    dataDir,
    baseUrl: BASE_URL,
    maxBodyBytes: 1024 * 1024,
    corsOrigins: ['*'],
    logLevel: 'silent',
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
    validator: shared.validator,
    ids: sequentialIds('id'),
    clock,
    logger: silentLogger(),
  };
  const router = createFhirRouter({ operations: options.operations });
  return {
    app: createHttpApp(ctx, router),
    ctx,
    store,
    router,
    async close() {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
