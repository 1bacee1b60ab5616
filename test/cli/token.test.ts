import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config/load-config';
import { callersFrom } from '../../src/http/caller-of';
import { createHttpApp } from '../../src/http/create-http-app';
import { lucarne } from './run-command';

/** `lucarne token` in another process mints a token that the server on the same data folder accepts. */
describe('lucarne token', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lucarne-token-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('prints a token that reads from the server of that data folder, within its scopes only', async () => {
    const config = loadConfig({ env: { LUCARNE_DATA_DIR: dir, LUCARNE_WRITER_THREAD: 'false', LOG_LEVEL: 'silent' } });
    const app = await createApp(config, { root: join(__dirname, '..', '..'), durability: 'normal' });
    try {
      const http = request(createHttpApp(app.ctx, app.router, { webRoutes: app.webRoutes, callerOf: callersFrom(app.callerOf) }));
      const run = lucarne(['token', '--data-dir', dir, '--scope', 'system/Patient.rs']);
      expect([run.code, run.stderr]).toEqual([0, '']);
      const token = run.stdout.trim();
      expect(token.split('.')).toHaveLength(3);
      const auth = `Bearer ${token}`;
      expect((await http.get('/fhir/Patient').set('Authorization', auth)).status).toBe(200);
      expect((await http.get('/fhir/Observation').set('Authorization', auth)).status).toBe(403);
      expect((await http.get('/fhir/Patient')).status).toBe(401);
    } finally {
      await app.close();
    }
  }, 60_000);

  it('refuses non-system scopes with a one-line error', () => {
    const run = lucarne(['token', '--data-dir', dir, '--scope', 'user/*.rs']);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toMatch(/^lucarne: --scope takes system\/ scopes only/);
  });
});
