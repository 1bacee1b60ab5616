import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { freePort } from '../../bench/free-port';
import { createApp, type LucarneApp } from '../../src/app';
import { loadConfig } from '../../src/config/load-config';
import { LOCAL_OPERATOR } from '../../src/fhir/rest/caller';
import { callersFrom } from '../../src/http/caller-of';
import { createHttpApp } from '../../src/http/create-http-app';

/**
 * A Lucarne with authorization on (the default), listening on 127.0.0.1 at a free port so that its public
 * URLs (issuer, aud, form actions) are the ones a browser reaches, holding a small region: a hospital with a
 * doctor, two of its patients, one patient outside its care, and their reports.
 */
export const RECORDS: Resource[] = [
  { resourceType: 'Organization', id: 'chu', name: 'CHU de Bordeaux' },
  { resourceType: 'Practitioner', id: 'dr', name: [{ family: 'Martin', given: ['Claire'] }] },
  { resourceType: 'PractitionerRole', id: 'dr-chu', active: true, practitioner: { reference: 'Practitioner/dr' }, organization: { reference: 'Organization/chu' } },
  { resourceType: 'Patient', id: 'anne', name: [{ family: 'Dupont', given: ['Anne'] }], birthDate: '1961-04-02', managingOrganization: { reference: 'Organization/chu' } },
  { resourceType: 'Patient', id: 'jean', name: [{ family: 'Durand', given: ['Jean'] }], birthDate: '1950-11-20', managingOrganization: { reference: 'Organization/chu' } },
  { resourceType: 'Patient', id: 'other', name: [{ family: 'Lefèvre', given: ['Paul'] }], birthDate: '1990-01-01' },
  { resourceType: 'DiagnosticReport', id: 'r-anne', status: 'final', code: { text: 'CT thorax' }, subject: { reference: 'Patient/anne' } },
  { resourceType: 'DiagnosticReport', id: 'r-other', status: 'final', code: { text: 'IRM genou' }, subject: { reference: 'Patient/other' } },
];

export const DOCTOR_PASSWORD = 'correct horse battery staple';
export const PATIENT_PASSWORD = 'anne-dupont-2024!';

export interface SmartServer {
  readonly app: LucarneApp;
  readonly server: Server;
  /** http://127.0.0.1:PORT */
  readonly origin: string;
  readonly fhirBase: string;
  close(): Promise<void>;
}

export async function startSmartServer(env: Record<string, string> = {}): Promise<SmartServer> {
  const dir = mkdtempSync(join(tmpdir(), 'lucarne-authorize-'));
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const config = loadConfig({
    env: { LUCARNE_DATA_DIR: dir, LUCARNE_BASE_URL: `${origin}/fhir`, LUCARNE_WRITER_THREAD: 'false', LOG_LEVEL: 'silent', ...env },
  });
  const app = await createApp(config, { root: join(__dirname, '..', '..'), durability: 'normal' });
  for (const r of RECORDS) {
    const res = await app.handle({ method: 'PUT', path: `${r.resourceType}/${r.id}`, query: new URLSearchParams(), headers: { 'content-type': 'application/fhir+json' }, body: r }, LOCAL_OPERATOR);
    if (res.status !== 201) throw new Error(`seeding ${r.resourceType}/${r.id}: ${res.status}`);
  }
  const users = app.auth!.users.accounts;
  await users.add({ username: 'claire', displayName: 'Dr Claire Martin', password: DOCTOR_PASSWORD, fhirUser: 'Practitioner/dr' });
  await users.add({ username: 'anne', displayName: 'Anne Dupont', password: PATIENT_PASSWORD, fhirUser: 'Patient/anne' });
  const server = createHttpApp(app.ctx, app.router, { webRoutes: app.webRoutes, callerOf: callersFrom(app.callerOf) }).listen(port, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return {
    app,
    server,
    origin,
    fhirBase: `${origin}/fhir`,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A PKCE verifier and its S256 challenge. */
export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}
