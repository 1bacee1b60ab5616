import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A minimal SMART app for the browser tests, served on its own origin (127.0.0.1, a free port): the published
 * `fhirclient` library (its browser bundle, as an app would ship it) does the launch; the app reads the
 * patient in context and the Patient resource with the token, and writes what it got into the page.
 */
const FHIR_CLIENT = readFileSync(require.resolve('fhirclient/build/fhir-client.js'));

const page = (script: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><script src="/fhir-client.js"></script></head><body><pre id="out"></pre><script>${script}</script></body></html>`;

/** launch.html: EHR launch (iss and launch in the query) or standalone (iss only), then authorize. */
const LAUNCH = (clientId: string, scope: string) =>
  page(`FHIR.oauth2.authorize({ clientId: ${JSON.stringify(clientId)}, scope: ${JSON.stringify(scope)}, redirectUri: 'app.html' })
    .catch(function (e) { document.getElementById('out').textContent = 'error: ' + e.message; });`);

/** app.html: completes the launch and reads the patient in context with the access token. */
const APP = page(`FHIR.oauth2.ready()
  .then(function (client) {
    return client.request('Patient/' + client.patient.id).then(function (patient) {
      document.getElementById('out').textContent = JSON.stringify({
        patient: client.patient.id, name: patient.name && patient.name[0] && patient.name[0].family,
        scope: client.state.tokenResponse.scope, user: client.getFhirUser(), idToken: !!client.state.tokenResponse.id_token,
      });
    });
  })
  .catch(function (e) { document.getElementById('out').textContent = 'error: ' + e.message; });`);

export interface SmartApp {
  readonly origin: string;
  close(): Promise<void>;
}

export async function startSmartApp(clientId: string, scope: string): Promise<SmartApp> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/fhir-client.js') res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(FHIR_CLIENT);
    else if (path === '/launch.html') res.writeHead(200, { 'Content-Type': 'text/html' }).end(LAUNCH(clientId, scope));
    else if (path === '/app.html') res.writeHead(200, { 'Content-Type': 'text/html' }).end(APP);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
