// A real OpenID Provider for the sign-in tests: panva's certified `oidc-provider` (npm), run
// with node by tests/oidc_support.py. One confidential client (PKCE required), fresh RSA keys
// per run, and test people whose `groups` claim maps to a board, to Welsh Government, to two
// organisations at once, and to nothing. Login is the package's own development interaction
// (any password); consent is implied for our first-party client.
//
//   PORT=... REDIRECT_URIS=http://127.0.0.1:8001/signin/callback [ID_TOKEN_TTL=3600] \
//   CLIENT_ID=cpr-test CLIENT_SECRET=... node tests/js/oidc_provider.mjs
// Prints "READY <issuer>" once it listens.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT || 0);
const issuer = `http://127.0.0.1:${port}`;
const redirectUris = (process.env.REDIRECT_URIS || '').split(',').filter(Boolean);

const PEOPLE = {
  'wg-analyst': { name: 'Alys Analyst', groups: ['staff', 'cpr-wg-analysts'] },
  'gwent-manager': { name: 'Gareth Manager', groups: ['staff', 'cpr-gwent'] },
  'north-wales-manager': { name: 'Nia Manager', groups: ['cpr-north-wales'] },
  'two-boards': { name: 'Dau Fwrdd', groups: ['cpr-gwent', 'cpr-north-wales'] },
  'nobody': { name: 'Neb', groups: ['staff'] },
};

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), use: 'sig', alg: 'RS256' };

const configuration = {
  clients: [{
    client_id: process.env.CLIENT_ID || 'cpr-test',
    client_secret: process.env.CLIENT_SECRET || 'cpr-test-secret',
    redirect_uris: redirectUris,
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  pkce: { required: () => true },
  jwks: { keys: [jwk] },
  cookies: { keys: [randomUUID()] },
  claims: { openid: ['sub'], profile: ['name'], groups: ['groups'] },
  scopes: ['openid', 'profile', 'groups'],
  // The claims asked for by scope go into the ID token too (we read nothing else).
  conformIdTokenClaims: false,
  ttl: { IdToken: Number(process.env.ID_TOKEN_TTL || 3600), AccessToken: 600, AuthorizationCode: 60,
         Interaction: 600, Session: 3600, Grant: 3600 },
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, id) {
    const person = PEOPLE[id];
    if (!person) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...person }; } };
  },
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid profile groups');
    await grant.save();
    return grant;
  },
};

const provider = new Provider(issuer, configuration);
provider.on('server_error', (ctx, err) => console.error('server_error', err));
const server = provider.listen(port, '127.0.0.1', () => {
  console.log(`READY ${issuer}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
