// The OpenID Connect identity provider IamDb's federation tests sign in through: npm's oidc-provider on a loopback
// HTTPS port, with the certificate the test generated, development interactions (any login name and password are
// accepted), and one public client for `iamdb` (PKCE, device flow, a loopback redirect of any port, RFC 8252).
//
//   node provider.mjs --cert cert.pem --key key.pem [--port 0] [--client-id iamdb] [--accounts '{"alice":["readers"]}']
//                     [--device-interval 1] [--slow-down 0]
//
// It prints one line `READY {"port":…,"issuer":…}` on stdout when it listens, and stops on SIGTERM or when stdin closes
// (so a test that dies does not leave it behind). Its signing key (RS256) is made at start and lives only in memory.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { parseArgs } from 'node:util';
import Provider from 'oidc-provider';

const { values: args } = parseArgs({
  options: {
    cert: { type: 'string' },
    key: { type: 'string' },
    port: { type: 'string', default: '0' },
    'client-id': { type: 'string', default: 'iamdb' },
    accounts: { type: 'string', default: '{}' },
    'device-interval': { type: 'string', default: '1' },
    'slow-down': { type: 'string', default: '0' },
  },
});
if (!args.cert || !args.key) {
  console.error('usage: node provider.mjs --cert CERT.pem --key KEY.pem [--port N] [--client-id ID] [--accounts JSON]');
  process.exit(2);
}

// Groups per login name, sent as the `groups` claim (the way many identity providers send group membership).
const accountGroups = JSON.parse(args.accounts);
const deviceInterval = Number(args['device-interval']);
let slowDownsLeft = Number(args['slow-down']);

const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
signingKey.kid = randomUUID();
signingKey.alg = 'RS256';
signingKey.use = 'sig';

const server = createServer({ cert: readFileSync(args.cert), key: readFileSync(args.key) });
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(Number(args.port), '127.0.0.1', resolve);
});
const { port } = server.address();
const issuer = `https://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: args['client-id'],
    application_type: 'native',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'urn:ietf:params:oauth:grant-type:device_code'],
    response_types: ['code'],
    // Any port of the loopback address is allowed for a native client (RFC 8252 7.3).
    redirect_uris: ['http://127.0.0.1/callback'],
  }],
  jwks: { keys: [signingKey] },
  claims: { openid: ['sub'], email: ['email'], groups: ['groups'] },
  scopes: ['openid', 'email', 'groups'],
  // Put the scopes' claims in the ID token itself: the ID token is what is exchanged with AssumeRoleWithWebIdentity.
  conformIdTokenClaims: false,
  findAccount: (ctx, sub) => ({
    accountId: sub,
    claims: () => ({ sub, email: `${sub}@example.test`, groups: accountGroups[sub] ?? [] }),
  }),
  features: {
    devInteractions: { enabled: true },
    deviceFlow: { enabled: true },
  },
  pkce: { required: () => true },
  cookies: { keys: [randomUUID()] },
  ttl: { DeviceCode: 300, IdToken: 3600, AccessToken: 3600, Interaction: 600, Session: 3600, Grant: 3600 },
});
provider.proxy = false;

provider.use(async (ctx, next) => {
  // A real provider may answer slow_down (RFC 8628 3.5); --slow-down N makes this one do it to the first N polls.
  if (ctx.method === 'POST' && ctx.path === '/token' && slowDownsLeft > 0) {
    const body = await readBody(ctx.req);
    if (new URLSearchParams(body).get('grant_type') === 'urn:ietf:params:oauth:grant-type:device_code') {
      slowDownsLeft -= 1;
      ctx.status = 400;
      ctx.set('Cache-Control', 'no-store');
      ctx.body = { error: 'slow_down', error_description: 'polling too fast' };
      return;
    }

    // Hand the body already read to oidc-provider's parser.
    ctx.req.body = Object.fromEntries(new URLSearchParams(body));
  }

  await next();
  // oidc-provider leaves the polling interval out (clients then wait 5 s); tests poll faster.
  if (ctx.method === 'POST' && ctx.path === '/device/auth' && ctx.status === 200 && ctx.body && typeof ctx.body === 'object') {
    ctx.body = { ...ctx.body, interval: deviceInterval };
  }
});

server.on('request', provider.callback());

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function stop() {
  server.close();
  server.closeAllConnections();
  process.exit(0);
}

process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();

process.stdout.write(`READY ${JSON.stringify({ port, issuer })}\n`);
