import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type express from 'express';
import { createApp, type LucarneApp } from '../../src/app';
import { loadConfig } from '../../src/config/load-config';
import { createHttpApp } from '../../src/http/create-http-app';

export const REPO_ROOT = resolve(__dirname, '..', '..');

export interface IgServer {
  app: LucarneApp;
  http: express.Express;
  close(): Promise<void>;
}

/** The real composition root (profiles/, ig/ and terminology/ of this repository loaded) on a fresh embedded store. */
export async function startIgServer(): Promise<IgServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lucarne-ig-'));
  const env = { LUCARNE_DATA_DIR: dataDir, LUCARNE_BASE_URL: 'http://127.0.0.1/fhir', LUCARNE_AUTH: 'open' };
  const app = await createApp(loadConfig({ env }), { root: REPO_ROOT, durability: 'normal' });
  return {
    app,
    http: createHttpApp(app.ctx, app.router),
    async close() {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
