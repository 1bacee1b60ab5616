import request from 'supertest';
import { REVOCATION_RECHECK_MS } from '../../src/auth/tokens/bearer-authenticator';
import { formFields } from './html-form';
import { DOCTOR_PASSWORD, PATIENT_PASSWORD, pkce, startSmartServer, type SmartServer } from './smart-server';

/**
 * The authorization-code flow over HTTP, as a browser would drive it (cookies kept by a supertest agent):
 * sign-in, patient picker, consent, code, token, FHIR reads; refresh tokens; EHR launch; and the hostile
 * cases, each refused without ever sending the browser to an unregistered address.
 */

const APP = 'http://127.0.0.1:9/app/callback';

describe('SMART authorization code flow', () => {
  let smart: SmartServer;

  beforeAll(async () => {
    smart = await startSmartServer({ LUCARNE_SIGN_IN_MAX_FAILURES: '3' });
    const clients = smart.app.auth!.clients.registry;
    await clients.add({ clientId: 'viewer', name: 'Visionneuse', type: 'public', redirectUris: [APP], allowedScopes: ['patient/*.rs', 'user/*.rs', 'offline_access'] });
    await clients.add({ clientId: 'ehr', name: 'Dossier RCP', type: 'confidential-symmetric', redirectUris: [], allowedScopes: [], canLaunch: true }, 'ehr-secret-ehr-secret');
    await clients.add({ clientId: 'imaging-view', name: 'Imagerie', type: 'public', redirectUris: [APP], allowedScopes: ['user/*.rs'], carriesLaunchUser: true });
  });
  afterAll(() => smart.close());

  const authorizeQuery = (challenge: string, extra: Record<string, string> = {}) => ({
    response_type: 'code', client_id: 'viewer', redirect_uri: APP, scope: 'launch/patient patient/*.rs openid fhirUser offline_access', state: 'st-1',
    aud: smart.fhirBase, code_challenge: challenge, code_challenge_method: 'S256', ...extra,
  });

  /** Follows the flow from the authorization request to the code, signing in as `username`. */
  async function codeFor(agent: ReturnType<typeof request.agent>, username: string, password: string, query: Record<string, string>, choosePatient?: string) {
    let page = await agent.get('/auth/authorize').query(query);
    expect(page.status).toBe(200);
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    if (page.text.includes('/auth/authorize/sign-in')) {
      page = await agent.post('/auth/authorize/sign-in').type('form').send({ ...formFields(page.text, '/auth/authorize/sign-in'), username, password });
      expect(page.status).toBe(200);
    }
    if (choosePatient !== undefined) {
      expect(page.text).toContain('/auth/authorize/patient');
      const fields = formFields(page.text, '/auth/authorize/patient');
      page = await agent.post('/auth/authorize/patient').type('form').send({ ...fields, patient: choosePatient });
    }
    const consent = formFields(page.text, '/auth/authorize/consent');
    const answer = await agent.post('/auth/authorize/consent').type('form').send({ ...consent, decision: 'approve' });
    expect(answer.status).toBe(303);
    const location = new URL(answer.headers.location as string);
    expect(location.origin + location.pathname).toBe(APP);
    expect(location.searchParams.get('state')).toBe(query.state);
    return { code: location.searchParams.get('code')!, consent };
  }

  const redeem = (code: string, verifier: string, client = 'viewer') =>
    request(smart.server).post('/auth/token').type('form').send({ grant_type: 'authorization_code', code, redirect_uri: APP, code_verifier: verifier, client_id: client });

  it("gives a patient's own account a token for its record only, with refresh and id_token", async () => {
    const agent = request.agent(smart.server);
    const { verifier, challenge } = pkce();
    const { code } = await codeFor(agent, 'anne', PATIENT_PASSWORD, authorizeQuery(challenge, { nonce: 'n-1' }));
    const token = await redeem(code, verifier);
    expect(token.status).toBe(200);
    expect(token.body).toMatchObject({ token_type: 'Bearer', patient: 'anne', need_patient_banner: true });
    expect(token.body.refresh_token).toEqual(expect.any(String));
    expect(token.body.id_token).toEqual(expect.any(String));
    const auth = `Bearer ${token.body.access_token}`;
    expect((await request(smart.server).get('/fhir/Patient/anne').set('Authorization', auth)).status).toBe(200);
    expect((await request(smart.server).get('/fhir/Patient/other').set('Authorization', auth)).status).toBe(404);
    const reports = await request(smart.server).get('/fhir/DiagnosticReport').set('Authorization', auth);
    expect(reports.body.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual(['r-anne']);

    // The code works once; a second use revokes what the first one issued.
    expect((await redeem(code, verifier)).body.error).toBe('invalid_grant');
    // A token already seen is re-checked for revocation at most REVOCATION_RECHECK_MS later.
    await new Promise((resolve) => setTimeout(resolve, REVOCATION_RECHECK_MS + 100));
    expect((await request(smart.server).get('/fhir/Patient/anne').set('Authorization', auth)).status).toBe(401);
    const refreshed = await request(smart.server).post('/auth/token').type('form').send({ grant_type: 'refresh_token', refresh_token: token.body.refresh_token, client_id: 'viewer' });
    expect(refreshed.body.error).toBe('invalid_grant');
  });

  it('lets a professional pick only a patient in their care, then reads with the token', async () => {
    const agent = request.agent(smart.server);
    const { verifier, challenge } = pkce();
    let page = await agent.get('/auth/authorize').query(authorizeQuery(challenge, { state: 'st-2' }));
    page = await agent.post('/auth/authorize/sign-in').type('form').send({ ...formFields(page.text, '/auth/authorize/sign-in'), username: 'claire', password: DOCTOR_PASSWORD });
    expect(page.text).toContain('DUPONT');
    expect(page.text).toContain('DURAND');
    expect(page.text).not.toContain('LEFÈVRE');
    const fields = formFields(page.text, '/auth/authorize/patient');
    // A forged choice of a patient outside the doctor's care is not taken.
    const forged = await agent.post('/auth/authorize/patient').type('form').send({ ...fields, patient: 'other' });
    expect(forged.text).toContain('/auth/authorize/patient');
    expect(forged.text).not.toContain('/auth/authorize/consent');
    const searched = await agent.post('/auth/authorize/patient').type('form').send({ ...fields, q: 'Durand' });
    expect(searched.text).toContain('DURAND');
    expect(searched.text).not.toContain('DUPONT');
    const chosen = await agent.post('/auth/authorize/patient').type('form').send({ ...fields, patient: 'jean' });
    const answer = await agent.post('/auth/authorize/consent').type('form').send({ ...formFields(chosen.text, '/auth/authorize/consent'), decision: 'approve' });
    const code = new URL(answer.headers.location as string).searchParams.get('code')!;
    const token = await redeem(code, verifier);
    expect(token.body.patient).toBe('jean');
    const auth = `Bearer ${token.body.access_token}`;
    expect((await request(smart.server).get('/fhir/Patient/jean').set('Authorization', auth)).status).toBe(200);
    expect((await request(smart.server).get('/fhir/Patient/anne').set('Authorization', auth)).status).toBe(404);
  });

  it('rotates refresh tokens, refuses a reused one by revoking its family, and never widens the scope', async () => {
    const agent = request.agent(smart.server);
    const { verifier, challenge } = pkce();
    const { code } = await codeFor(agent, 'anne', PATIENT_PASSWORD, authorizeQuery(challenge, { state: 'st-3' }));
    const first = (await redeem(code, verifier)).body;
    const refresh = (token: string, scope?: string) =>
      request(smart.server).post('/auth/token').type('form').send({ grant_type: 'refresh_token', refresh_token: token, client_id: 'viewer', ...(scope ? { scope } : {}) });
    const wider = await refresh(first.refresh_token, 'patient/*.cruds');
    expect([wider.status, wider.body.error]).toEqual([400, 'invalid_scope']);
    const second = await refresh(first.refresh_token);
    expect(second.status).toBe(200);
    expect(second.body.refresh_token).not.toBe(first.refresh_token);
    const reused = await refresh(first.refresh_token);
    expect(reused.body.error).toBe('invalid_grant');
    // The whole family is gone: the rotated refresh token and its access token too.
    expect((await refresh(second.body.refresh_token)).body.error).toBe('invalid_grant');
    expect((await request(smart.server).get('/fhir/Patient/anne').set('Authorization', `Bearer ${second.body.access_token}`)).status).toBe(401);
  });

  it("carries an EHR launch's patient and user into the token, without a second sign-in, and the launch works once", async () => {
    const launch = await request(smart.server).post('/auth/launch').auth('ehr', 'ehr-secret-ehr-secret').type('form')
      .send({ patient: 'anne', user: 'Practitioner/dr', user_id: 'cmartin', user_name: 'Dr Claire Martin', app: 'imaging-view' });
    expect(launch.status).toBe(200);
    const agent = request.agent(smart.server);
    const { verifier, challenge } = pkce();
    const query = { ...authorizeQuery(challenge, { state: 'st-4', client_id: 'imaging-view', scope: 'launch user/*.rs openid fhirUser', launch: launch.body.launch }) };
    const page = await agent.get('/auth/authorize').query(query);
    expect(page.text).not.toContain('/auth/authorize/sign-in');
    const answer = await agent.post('/auth/authorize/consent').type('form').send({ ...formFields(page.text, '/auth/authorize/consent'), decision: 'approve' });
    const code = new URL(answer.headers.location as string).searchParams.get('code')!;
    const token = await redeem(code, verifier, 'imaging-view');
    expect(token.body).toMatchObject({ patient: 'anne', need_patient_banner: false });
    const introspected = smart.app.auth!.tokens.verifier.verify(token.body.access_token);
    await expect(introspected).resolves.toMatchObject({ fhirUser: 'Practitioner/dr', launchedBy: 'ehr', subject: 'ehr:ehr#cmartin' });
    const again = await request.agent(smart.server).get('/auth/authorize').query(query);
    expect(again.status).toBe(302);
    expect(new URL(again.headers.location as string).searchParams.get('error')).toBe('invalid_request');
    // Only a client allowed to launch registers launches.
    expect((await request(smart.server).post('/auth/launch').type('form').send({ patient: 'anne', client_id: 'viewer' })).status).toBe(401);
  });

  it('lets a professional break the glass for one request with a stated reason, and only with one', async () => {
    const agent = request.agent(smart.server);
    const { verifier, challenge } = pkce();
    const { code } = await codeFor(agent, 'claire', DOCTOR_PASSWORD, authorizeQuery(challenge, { state: 'st-btg', scope: 'user/*.rs openid fhirUser' }));
    const token = (await redeem(code, verifier)).body;
    const read = (headers: Record<string, string>) => request(smart.server).get('/fhir/Patient/other').set({ Authorization: `Bearer ${token.access_token}`, ...headers });
    expect((await read({})).status).toBe(404);
    expect((await read({ 'X-Break-The-Glass': '  ' })).status).toBe(404);
    expect((await read({ 'X-Break-The-Glass': encodeURIComponent('patient inconscient aux urgences') })).status).toBe(200);
    expect((await request(smart.server).get('/fhir/Patient/other').set('Authorization', `Bearer ${token.access_token}`)).status).toBe(404);
  });

  it('never redirects to an unregistered redirect_uri, and refuses requests without state, PKCE S256 or the right aud', async () => {
    const { challenge } = pkce();
    for (const uri of [`${APP}/extra`, 'http://127.0.0.1:9/app/call', 'http://evil.example/app/callback', `${APP}?x=1`]) {
      const res = await request(smart.server).get('/auth/authorize').query(authorizeQuery(challenge, { redirect_uri: uri }));
      expect([uri, res.status, res.headers.location]).toEqual([uri, 400, undefined]);
    }
    const noState = await request(smart.server).get('/auth/authorize').query(authorizeQuery(challenge, { state: '' }));
    expect([noState.status, noState.headers.location]).toEqual([400, undefined]);
    const errorOf = async (extra: Record<string, string>) => {
      const res = await request(smart.server).get('/auth/authorize').query(authorizeQuery(challenge, extra));
      expect(res.status).toBe(302);
      const location = new URL(res.headers.location as string);
      expect(location.searchParams.get('state')).toBe('st-1');
      return location.searchParams.get('error');
    };
    expect(await errorOf({ code_challenge_method: 'plain' })).toBe('invalid_request');
    expect(await errorOf({ code_challenge: '' })).toBe('invalid_request');
    expect(await errorOf({ aud: 'https://other.example/fhir' })).toBe('invalid_request');
    expect(await errorOf({ scope: 'system/*.rs' })).toBe('invalid_scope');
  });

  it('refuses a wrong PKCE verifier, and a consent form posted from elsewhere (CSRF)', async () => {
    const agent = request.agent(smart.server);
    const { challenge } = pkce();
    let page = await agent.get('/auth/authorize').query(authorizeQuery(challenge, { state: 'st-6' }));
    page = await agent.post('/auth/authorize/sign-in').type('form').send({ ...formFields(page.text, '/auth/authorize/sign-in'), username: 'anne', password: PATIENT_PASSWORD });
    const consent = formFields(page.text, '/auth/authorize/consent');
    // Another browser (no cookie), a wrong token, another site's Origin: refused, and the flow stays usable.
    expect((await request(smart.server).post('/auth/authorize/consent').type('form').send({ ...consent, decision: 'approve' })).status).toBe(403);
    expect((await agent.post('/auth/authorize/consent').type('form').send({ ...consent, csrf: 'x'.repeat(32), decision: 'approve' })).status).toBe(403);
    expect((await agent.post('/auth/authorize/consent').set('Origin', 'http://evil.example').type('form').send({ ...consent, decision: 'approve' })).status).toBe(403);
    const answer = await agent.post('/auth/authorize/consent').type('form').send({ ...consent, decision: 'approve' });
    const code = new URL(answer.headers.location as string).searchParams.get('code')!;
    const wrong = await redeem(code, pkce().verifier);
    expect(wrong.body.error).toBe('invalid_grant');
    // A second post of the same consent form gives no second code.
    expect((await agent.post('/auth/authorize/consent').type('form').send({ ...consent, decision: 'approve' })).status).toBe(400);
  });

  it('answers access_denied when the user denies', async () => {
    const agent = request.agent(smart.server);
    let page = await agent.get('/auth/authorize').query(authorizeQuery(pkce().challenge, { state: 'st-7' }));
    page = await agent.post('/auth/authorize/sign-in').type('form').send({ ...formFields(page.text, '/auth/authorize/sign-in'), username: 'anne', password: PATIENT_PASSWORD });
    const answer = await agent.post('/auth/authorize/consent').type('form').send({ ...formFields(page.text, '/auth/authorize/consent'), decision: 'deny' });
    const location = new URL(answer.headers.location as string);
    expect([location.searchParams.get('error'), location.searchParams.get('state'), location.searchParams.get('code')]).toEqual(['access_denied', 'st-7', null]);
  });

  it('speaks English when asked, French otherwise', async () => {
    const fr = await request(smart.server).get('/auth/authorize').query(authorizeQuery(pkce().challenge));
    expect(fr.text).toContain('Se connecter');
    const en = await request(smart.server).get('/auth/authorize').set('Accept-Language', 'en-GB,en;q=0.9').query(authorizeQuery(pkce().challenge));
    expect(en.text).toContain('Sign in');
  });

  it('locks an account after repeated failures: even the right password is then refused, and each failure is audited', async () => {
    const agent = request.agent(smart.server);
    const page = await agent.get('/auth/authorize').query(authorizeQuery(pkce().challenge, { state: 'st-9' }));
    const fields = formFields(page.text, '/auth/authorize/sign-in');
    for (let i = 0; i < 3; i++) {
      const res = await agent.post('/auth/authorize/sign-in').type('form').send({ ...fields, username: 'claire', password: `wrong-${i}-password` });
      expect(res.status).toBe(401);
    }
    const right = await agent.post('/auth/authorize/sign-in').type('form').send({ ...fields, username: 'claire', password: DOCTOR_PASSWORD });
    expect(right.status).toBe(401);
    expect(right.text).not.toContain('/auth/authorize/consent');
  });
});
