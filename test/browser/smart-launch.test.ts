import request from 'supertest';
import type { Browser, Page } from 'playwright-core';
import { PATIENT_PASSWORD, DOCTOR_PASSWORD, startSmartServer, type SmartServer } from '../auth/smart-server';
import { chromiumAvailable, launchChromium } from './chromium';
import { startSmartApp, type SmartApp } from './smart-app';

/**
 * The published fhirclient library performs SMART launches against Lucarne in Debian's Chromium: it reads
 * the discovery document, sends the browser to the authorization endpoint with PKCE, the user signs in on
 * Lucarne's page, picks a patient, consents, and the app reads the patient with its token.
 */

const describeWithChromium = chromiumAvailable() || process.env.CI === 'true' ? describe : describe.skip;

describeWithChromium('SMART launches by fhirclient in Chromium', () => {
  let smart: SmartServer;
  let browser: Browser;
  const apps: SmartApp[] = [];

  beforeAll(async () => {
    smart = await startSmartServer();
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await Promise.all(apps.map((a) => a.close()));
    await smart?.close();
  });

  async function app(clientId: string, scope: string, options: { carriesLaunchUser?: boolean } = {}): Promise<SmartApp> {
    const started = await startSmartApp(clientId, scope);
    apps.push(started);
    await smart.app.auth!.clients.registry.add({
      clientId, name: `App ${clientId}`, type: 'public', redirectUris: [`${started.origin}/app.html`], allowedScopes: ['patient/*.rs', 'user/*.rs'], ...options,
    });
    return started;
  }

  const result = async (page: Page) => {
    await page.waitForSelector('#out:not(:empty)', { timeout: 20_000 });
    return (await page.textContent('#out')) ?? '';
  };

  it('standalone launch of a patient account: sign-in, consent, then reads its own record', async () => {
    const viewer = await app('patient-app', 'launch/patient patient/*.rs openid fhirUser');
    const page = await browser.newPage();
    await page.goto(`${viewer.origin}/launch.html?iss=${encodeURIComponent(smart.fhirBase)}`);
    await page.waitForSelector('input[name=username]');
    expect(page.url().startsWith(`${smart.origin}/auth/authorize`)).toBe(true);
    await page.fill('input[name=username]', 'anne');
    await page.fill('input[name=password]', PATIENT_PASSWORD);
    await page.click('button[type=submit]');
    await page.click('button[value=approve]');
    const out = JSON.parse(await result(page));
    expect(out).toMatchObject({ patient: 'anne', name: 'Dupont', user: 'Patient/anne', idToken: true });
    await page.close();
  }, 60_000);

  it("standalone launch of a professional: the picker offers the patients in their care, and the app opens the one chosen", async () => {
    const viewer = await app('doctor-app', 'launch/patient patient/*.rs openid fhirUser');
    const page = await browser.newPage();
    await page.goto(`${viewer.origin}/launch.html?iss=${encodeURIComponent(smart.fhirBase)}`);
    await page.fill('input[name=username]', 'claire');
    await page.fill('input[name=password]', DOCTOR_PASSWORD);
    await page.click('button[type=submit]');
    const offered = await page.locator('.patients button').allTextContents();
    expect(offered.join('|')).toContain('DURAND');
    expect(offered.join('|')).not.toContain('LEFÈVRE');
    await page.click('.patients button:has-text("DURAND")');
    await page.click('button[value=approve]');
    const out = JSON.parse(await result(page));
    expect(out).toMatchObject({ patient: 'jean', name: 'Durand', user: 'Practitioner/dr' });
    await page.close();
  }, 60_000);

  it("EHR launch: the EHR's patient and user are carried into the app's token without a second sign-in", async () => {
    await smart.app.auth!.clients.registry.add(
      { clientId: 'rcp', name: 'Dossier RCP', type: 'confidential-symmetric', redirectUris: [], allowedScopes: [], canLaunch: true },
      'rcp-secret-rcp-secret',
    );
    const viewer = await app('ehr-app', 'launch user/*.rs openid fhirUser', { carriesLaunchUser: true });
    const launch = await request(smart.server).post('/auth/launch').auth('rcp', 'rcp-secret-rcp-secret').type('form')
      .send({ patient: 'anne', user: 'Practitioner/dr', user_id: 'cmartin', user_name: 'Dr Claire Martin', app: 'ehr-app' });
    expect(launch.status).toBe(200);
    const page = await browser.newPage();
    await page.goto(`${viewer.origin}/launch.html?iss=${encodeURIComponent(smart.fhirBase)}&launch=${launch.body.launch}`);
    await page.click('button[value=approve]');
    const out = JSON.parse(await result(page));
    expect(out).toMatchObject({ patient: 'anne', name: 'Dupont', user: 'Practitioner/dr' });
    await page.close();
  }, 60_000);
});
