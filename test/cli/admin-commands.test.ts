import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClientRegistry } from '../../src/auth/clients/client-registry';
import { createUserServices } from '../../src/auth/users/user-services';
import { loadConfig } from '../../src/config/load-config';
import { systemClock } from '../../src/kernel/clock';
import { createLogger } from '../../src/kernel/logger';
import { openStateStore } from '../../src/store/state/open-state-store';
import type { FhirStore } from '../../src/store/store';
import { lucarne } from './run-command';

/** `lucarne client …` and `lucarne user …` change the state the server reads: checked by reading it back as the server does. */
describe('lucarne client and lucarne user', () => {
  let dir: string;
  const env = () => ({ LUCARNE_DATA_DIR: dir });
  const withState = async <T>(use: (state: Awaited<ReturnType<typeof openStateStore>>) => Promise<T>): Promise<T> => {
    const state = await openStateStore(loadConfig({ env: { LUCARNE_DATA_DIR: dir } }), systemClock);
    try {
      return await use(state);
    } finally {
      await state.close();
    }
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lucarne-admin-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('adds, lists and removes a client, with the administration API\'s checks', async () => {
    const added = lucarne(['client', 'add', '--id', 'viewer', '--name', 'Viewer', '--type', 'public', '--redirect-uri', 'https://app.example/cb', '--scope', 'patient/*.rs'], env());
    expect([added.code, added.stderr]).toEqual([0, '']);
    const client = await withState((state) => createClientRegistry(state).get('viewer'));
    expect(client).toMatchObject({ type: 'public', redirectUris: ['https://app.example/cb'], allowedScopes: ['patient/*.rs'] });
    const listed = lucarne(['client', 'list', '--json'], env());
    expect(JSON.parse(listed.stdout).clients.map((c: { clientId: string }) => c.clientId)).toEqual(['viewer']);
    const bad = lucarne(['client', 'add', '--id', 'bad', '--name', 'Bad', '--type', 'public', '--redirect-uri', 'http://evil.example/cb'], env());
    expect(bad.code).toBe(2);
    expect(await withState((state) => createClientRegistry(state).get('bad'))).toBeUndefined();
    expect(lucarne(['client', 'remove', '--id', 'viewer'], env()).code).toBe(0);
    expect(lucarne(['client', 'remove', '--id', 'viewer'], env()).code).toBe(1);
  }, 60_000);

  it('adds an account whose password (read from stdin only) signs in, and changes it', async () => {
    const added = lucarne(['user', 'add', '--username', 'claire', '--fhir-user', 'Practitioner/dr', '--password-stdin'], env(), 'first password 123\n');
    expect([added.code, added.stderr]).toEqual([0, '']);
    expect(added.stdout).not.toContain('first password');
    const signIn = (password: string) =>
      withState((state) => {
        const config = loadConfig({ env: { LUCARNE_DATA_DIR: dir } });
        const users = createUserServices({ config, state, clock: systemClock, store: {} as FhirStore, logger: createLogger({ level: 'silent' }) });
        return users.signIn.signIn('claire', password);
      });
    await expect(signIn('first password 123')).resolves.toMatchObject({ fhirUser: 'Practitioner/dr' });
    expect(lucarne(['user', 'passwd', '--username', 'claire', '--password-stdin'], env(), 'second password 456\n').code).toBe(0);
    await expect(signIn('first password 123')).resolves.toBeUndefined();
    await expect(signIn('second password 456')).resolves.toMatchObject({ subject: expect.stringContaining('claire') });
  }, 60_000);
});
