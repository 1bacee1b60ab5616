// A real OpenID Connect provider (npm oidc-provider, ESM only) for the tests of the upstream sign-in, run
// as a child process. Its settings come as JSON in the OIDC_FIXTURE environment variable:
//   clients:         [{ client_id, client_secret, redirect_uris, userinfo_signed_response_alg? }]
//   accounts:        { "<login>": { <claims other than sub> } }  (the dev login form takes any password)
//   claimsInIdToken: put the scope's claims in the id_token too (oidc-provider's conformIdTokenClaims off)
//   issuer:          the issuer the provider names itself (default: its own http://127.0.0.1:<port>)
// It listens on 127.0.0.1 on a free port, prints one JSON line {"url": ..., "issuer": ...} on stdout when
// ready, and stops when its stdin closes (so it never outlives the test that started it).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import process from 'node:process';
import Provider from 'oidc-provider';

const settings = JSON.parse(process.env.OIDC_FIXTURE ?? '{}');
const accounts = settings.accounts ?? {};
const accountClaims = [...new Set(Object.values(accounts).flatMap((claims) => Object.keys(claims)))];

const server = createServer();
server.listen(0, '127.0.0.1', () => {
  const url = `http://127.0.0.1:${server.address().port}`;
  const issuer = settings.issuer ?? url;
  const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });

  const provider = new Provider(issuer, {
    clients: (settings.clients ?? []).map((client) => ({
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      ...client,
    })),
    jwks: { keys: [{ ...signingKey, kid: 'fixture-rs256', use: 'sig', alg: 'RS256' }] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    pkce: { required: () => true },
    claims: { openid: ['sub'], profile: ['name', 'given_name', 'family_name', ...accountClaims] },
    conformIdTokenClaims: settings.claimsInIdToken !== true,
    features: { devInteractions: { enabled: true } },
    async findAccount(_ctx, sub) {
      if (!accounts[sub]) return undefined;
      return { accountId: sub, claims: async () => ({ sub, ...accounts[sub] }) };
    },
  });
  // Without a listener, oidc-provider logs every refused request on stderr; the tests expect refusals.
  provider.on('server_error', (_ctx, error) => process.stderr.write(`oidc-provider server_error: ${error.stack}\n`));
  server.on('request', provider.callback());
  process.stdout.write(`${JSON.stringify({ url, issuer })}\n`);
});

process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
