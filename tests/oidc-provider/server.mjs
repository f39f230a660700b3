// A real OpenID provider for familygraph's token tests: the certified `oidc-provider` package,
// on 127.0.0.1:<port> (argv[2] or PORT; 0 picks a free port). Prints one JSON line
// {"issuer": "..."} when it listens. Synthetic clients only. With --exit-with-stdin it exits
// when its standard input closes (so a test that dies never leaves it behind).
//
// `POST /admin/rotate` rotates the signing key at run time: a new key (cycling RS256, ES256,
// PS256) is published first in the JWKS and signs every token from then on; older keys stay
// published so outstanding tokens still verify. Tokens and grants survive (shared memory store).
import * as crypto from 'node:crypto';
import * as http from 'node:http';
import Provider, { errors } from 'oidc-provider';

const RESOURCE = 'urn:familygraph:api'; // resource indicator; its tokens carry aud "familygraph"
const OTHER_RESOURCE = 'urn:example:other-api'; // another API: aud "other-api"
const SECRET = 'synthetic-test-secret-not-for-production';
const client = (client_id, claims = {}) => ({
  client_id, client_secret: SECRET, grant_types: ['client_credentials'],
  redirect_uris: [], response_types: [], claims,
});
const CLIENTS = [
  client('school-mis-100001', { roles: ['school_mis_integration'], school_urn: '100001', agency: 'school' }),
  client('practitioner-app', { roles: 'social_worker team_manager', team: 'S1', agency: 'council' }),
  client('short-lived-app', { roles: ['auditor'] }),
  client('opaque-app', { roles: ['health_visitor'], team: 'N1', agency: 'nhs' }),
  client('familygraph-introspection'),
];
const CLAIMS = Object.fromEntries(CLIENTS.map((c) => [c.client_id, c.claims]));

const ALGS = ['RS256', 'ES256', 'PS256'];
function newKey(alg) {
  const { privateKey } = alg === 'ES256'
    ? crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })
    : crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), alg, use: 'sig', kid: crypto.randomUUID() };
}
let keys = [newKey(ALGS[0])];

function build(issuer) {
  const current = keys[0];
  return new Provider(issuer, {
    clients: CLIENTS.map(({ claims, ...metadata }) => metadata),
    jwks: { keys },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo(ctx, resource, { clientId }) {
          if (![RESOURCE, OTHER_RESOURCE].includes(resource)) throw new errors.InvalidTarget();
          return {
            scope: 'familygraph',
            audience: resource === OTHER_RESOURCE ? 'other-api' : 'familygraph',
            accessTokenTTL: clientId === 'short-lived-app' ? 1 : 300,
            accessTokenFormat: clientId === 'opaque-app' ? 'opaque' : 'jwt',
            jwt: { sign: { alg: current.alg, kid: current.kid } },
          };
        },
      },
    },
    extraTokenClaims: (ctx, token) => CLAIMS[token.clientId],
  });
}

const port = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? process.env.PORT ?? 0);
let provider;
let handler;
const server = http.createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/admin/rotate') {
    keys = [newKey(ALGS[keys.length % ALGS.length]), ...keys];
    provider = build(provider.issuer);
    handler = provider.callback();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ kid: keys[0].kid, alg: keys[0].alg }));
    return;
  }
  handler(req, res);
});
server.listen(port, '127.0.0.1', () => {
  provider = build(`http://127.0.0.1:${server.address().port}`);
  handler = provider.callback();
  process.stdout.write(`${JSON.stringify({ issuer: provider.issuer })}\n`);
});
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
if (process.argv.includes('--exit-with-stdin')) process.stdin.on('end', () => process.exit(0)).resume();
