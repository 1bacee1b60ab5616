import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { createApp, type LucarneApp } from '../../src/app';
import { loadConfig } from '../../src/config/load-config';
import { createHttpApp } from '../../src/http/create-http-app';
import { currentTestBackend } from './test-server';

export const BASE = 'http://127.0.0.1:8080/fhir';

export interface BundleTestServer {
  app: LucarneApp;
  http: TestAgent;
  close(): Promise<void>;
}

/**
 * The production composition (createApp, which registers the Bundle/PATCH/$validate routes) on a fresh
 * embedded store in a temporary folder (or the backend installed by useTestBackend), behind the real HTTP adapter.
 * `env` adds settings (LUCARNE_* variables).
 */
export async function startBundleTestServer(env: Record<string, string> = {}): Promise<BundleTestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lucarne-bundle-'));
  const extra = currentTestBackend()?.takeEnv();
  const config = loadConfig({ env: { LUCARNE_DATA_DIR: dataDir, LUCARNE_BASE_URL: BASE, LOG_LEVEL: 'silent', LUCARNE_AUTH: 'open', ...env, ...extra?.env } });
  const app = await createApp(config, { durability: 'normal' });
  const http = request.agent(createHttpApp(app.ctx, app.router));
  return {
    app,
    http,
    async close() {
      await app.close();
      await extra?.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const FHIR_JSON = 'application/fhir+json';
