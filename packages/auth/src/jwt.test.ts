import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JSONWebKeySet, type JWK, type JWTPayload } from 'jose';
import { Authenticator } from './authenticator.js';
import { AuthError } from './errors.js';
import type { JwtOptions } from './jwt.js';

const ISSUER = 'https://idp.acme.example/';
const AUDIENCE = 'herald';
const HS256_SECRET = 'a shared secret of at least 32 bytes!';

interface SigningKey {
  alg: string;
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

async function signingKey(alg: string, kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  return { alg, kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

const rs256 = await signingKey('RS256', 'rsa-1');
const es256 = await signingKey('ES256', 'ec-1');
const eddsa = await signingKey('EdDSA', 'ed-1');
const jwks: JSONWebKeySet = { keys: [rs256.jwk, es256.jwk, eddsa.jwk] };

interface TokenOptions {
  claims?: JWTPayload;
  issuer?: string;
  audience?: string;
  subject?: string | null;
  /** Seconds from now; null: no exp. */
  expiresIn?: number | null;
  notBeforeIn?: number;
}

async function sign(key: SigningKey | Uint8Array, options: TokenOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT(options.claims ?? {})
    .setProtectedHeader(key instanceof Uint8Array ? { alg: 'HS256' } : { alg: key.alg, kid: key.kid })
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(options.audience ?? AUDIENCE)
    .setIssuedAt(now);
  if (options.subject !== null) jwt.setSubject(options.subject ?? 'rides-service');
  if (options.expiresIn !== null) jwt.setExpirationTime(now + (options.expiresIn ?? 300));
  if (options.notBeforeIn !== undefined) jwt.setNotBefore(now + options.notBeforeIn);
  return jwt.sign(key instanceof Uint8Array ? key : key.privateKey);
}

function authenticator(jwt: Partial<JwtOptions> = {}): Authenticator {
  return new Authenticator({ jwt: { issuer: ISSUER, audience: AUDIENCE, jwks, ...jwt } });
}

async function refusal(auth: Authenticator, token: string): Promise<AuthError> {
  try {
    await auth.authenticate({ authorization: `Bearer ${token}` });
  } catch (err) {
    assert.ok(err instanceof AuthError, `expected an AuthError, got ${String(err)}`);
    assert.ok(!err.message.includes(token), 'the token is never echoed');
    return err;
  }
  assert.fail('expected the token to be refused');
}

async function assertInvalidToken(auth: Authenticator, token: string, message: RegExp): Promise<void> {
  const err = await refusal(auth, token);
  assert.equal(err.code, 'invalid_token');
  assert.equal(err.retriable, false);
  assert.match(err.message, message);
}

const servicePrincipal = { id: 'rides-service', kind: 'jwt', authtype: 'service_account', admin: false };

test('RS256, ES256 and EdDSA tokens verify against a static JWKS', async () => {
  const auth = authenticator();
  for (const key of [rs256, es256, eddsa]) {
    assert.deepEqual(await auth.authenticate({ authorization: `Bearer ${await sign(key)}` }), servicePrincipal, key.alg);
  }
});

async function serveJwks(t: TestContext, body: () => unknown): Promise<{ url: string; fetches: () => number }> {
  let fetches = 0;
  const server = createServer((_req, res) => {
    fetches++;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(body()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`, fetches: () => fetches };
}

test('tokens verify against a JWKS URL, fetched once and cached', async (t) => {
  const jwksServer = await serveJwks(t, () => ({ keys: [rs256.jwk, es256.jwk] }));
  const auth = authenticator({ jwks: undefined, jwksUrl: jwksServer.url });
  assert.deepEqual(await auth.authenticate({ authorization: `Bearer ${await sign(rs256)}` }), servicePrincipal);
  assert.deepEqual(await auth.authenticate({ authorization: `Bearer ${await sign(es256)}` }), servicePrincipal);
  assert.equal(jwksServer.fetches(), 1);
});

test('an unknown kid is refused after one refetch of the JWKS URL', async (t) => {
  const jwksServer = await serveJwks(t, () => ({ keys: [rs256.jwk] }));
  const auth = authenticator({ jwks: undefined, jwksUrl: jwksServer.url, remoteJwks: { cooldownDuration: 0 } });
  await auth.authenticate({ authorization: `Bearer ${await sign(rs256)}` });
  const stranger = await signingKey('RS256', 'rsa-unknown');
  await assertInvalidToken(auth, await sign(stranger), /no key verifies this token: unknown kid/);
  assert.equal(jwksServer.fetches(), 2, 'a new kid may be a rotated key: the set is fetched again');
});

test('static keys are tried first and the JWKS URL serves the kids they lack', async (t) => {
  const jwksServer = await serveJwks(t, () => ({ keys: [es256.jwk] }));
  const auth = authenticator({ jwks: { keys: [rs256.jwk] }, jwksUrl: jwksServer.url });
  assert.equal((await auth.authenticate({ authorization: `Bearer ${await sign(rs256)}` })).id, 'rides-service');
  assert.equal(jwksServer.fetches(), 0);
  assert.equal((await auth.authenticate({ authorization: `Bearer ${await sign(es256)}` })).id, 'rides-service');
  assert.equal(jwksServer.fetches(), 1);
});

test('a JWKS URL that does not answer is a retriable key_set_unavailable, not a bad token', async (t) => {
  const jwksServer = await serveJwks(t, () => ({ keys: [] }));
  const unreachable = jwksServer.url.replace(/:\d+\//, ':1/');
  const err = await refusal(authenticator({ jwks: undefined, jwksUrl: unreachable }), await sign(rs256));
  assert.equal(err.code, 'key_set_unavailable');
  assert.equal(err.retriable, true);
  assert.match(err.message, /cannot use the JWKS at http:\/\/127\.0\.0\.1:1\//);
});

test('HS256 tokens verify with the shared secret, and only when one is configured', async () => {
  const secret = new TextEncoder().encode(HS256_SECRET);
  const token = await sign(secret);
  assert.deepEqual(await authenticator({ jwks: undefined, hs256Secret: HS256_SECRET }).authenticate({ authorization: `Bearer ${token}` }), servicePrincipal);
  await assertInvalidToken(authenticator(), token, /^token algorithm is not one of RS256, ES256, EdDSA$/);
  await assertInvalidToken(
    authenticator({ jwks: undefined, hs256Secret: HS256_SECRET }),
    await sign(new TextEncoder().encode(`${HS256_SECRET} but another`)),
    /^token signature does not verify$/,
  );
});

test('expired and not-yet-valid tokens are refused, with 30 s of leeway for clock skew', async () => {
  const auth = authenticator();
  await assertInvalidToken(auth, await sign(rs256, { expiresIn: -120 }), /^token expired at \d{4}-\d\d-\d\dT/);
  assert.equal((await auth.authenticate({ authorization: `Bearer ${await sign(rs256, { expiresIn: -10 })}` })).id, 'rides-service');
  await assertInvalidToken(auth, await sign(rs256, { notBeforeIn: 120 }), /^token is not valid yet/);
  await assertInvalidToken(auth, await sign(rs256, { expiresIn: null }), /^token has no "exp" claim$/);
});

test('a wrong issuer or audience is refused and named', async () => {
  const auth = authenticator();
  await assertInvalidToken(auth, await sign(rs256, { issuer: 'https://evil.example/' }), /^token issuer is not "https:\/\/idp\.acme\.example\/"$/);
  await assertInvalidToken(auth, await sign(rs256, { audience: 'billing' }), /^token audience does not include "herald"$/);
  assert.equal((await authenticator({ audience: undefined }).authenticate({ authorization: `Bearer ${await sign(rs256, { audience: 'billing' })}` })).id, 'rides-service');
});

test('a token signed by another key under a known kid has a bad signature', async () => {
  const impostor = await signingKey('RS256', rs256.kid);
  await assertInvalidToken(authenticator(), await sign(impostor), /^token signature does not verify$/);
});

test('a tampered token is refused', async () => {
  const [header, , signature] = (await sign(rs256)).split('.');
  const payload = Buffer.from(JSON.stringify({ iss: ISSUER, aud: AUDIENCE, sub: 'admin-wannabe', exp: 4102444800 })).toString('base64url');
  await assertInvalidToken(authenticator(), `${header}.${payload}.${signature}`, /^token signature does not verify$/);
});

test('a token must name its principal in the principal claim, and not as "admin"', async () => {
  const auth = authenticator();
  await assertInvalidToken(auth, await sign(rs256, { subject: null }), /^token has no "sub" claim naming the principal$/);
  await assertInvalidToken(auth, await sign(rs256, { subject: 'admin' }), /^token claim "sub" must not be "admin"/);
  const custom = authenticator({ principalClaim: 'client_id', authtype: 'user' });
  assert.deepEqual(await custom.authenticate({ authorization: `Bearer ${await sign(rs256, { claims: { client_id: 'mobile-app' } })}` }), {
    id: 'mobile-app',
    kind: 'jwt',
    authtype: 'user',
    admin: false,
  });
  await assertInvalidToken(custom, await sign(rs256, { claims: { client_id: 42 } }), /^token claim "client_id" must be a non-empty string/);
});

test('the admin claim grants admin rights only when it is configured and exactly true', async () => {
  const withClaim = authenticator({ adminClaim: 'herald_admin' });
  const admin = await sign(rs256, { claims: { herald_admin: true } });
  assert.equal((await withClaim.authenticate({ authorization: `Bearer ${admin}` })).admin, true);
  assert.equal((await withClaim.authenticate({ authorization: `Bearer ${await sign(rs256, { claims: { herald_admin: 'true' } })}` })).admin, false);
  assert.equal((await authenticator().authenticate({ authorization: `Bearer ${admin}` })).admin, false, 'no admin claim configured');
});

test('the source claim becomes the principal source and must be an absolute URI', async () => {
  const auth = authenticator();
  const source = 'https://rides.acme.example/dispatch';
  assert.deepEqual(await auth.authenticate({ authorization: `Bearer ${await sign(rs256, { claims: { herald_source: source } })}` }), { ...servicePrincipal, source });
  await assertInvalidToken(auth, await sign(rs256, { claims: { herald_source: 'rides/dispatch' } }), /^token claim "herald_source" must be an absolute URI/);
  const custom = authenticator({ sourceClaim: 'src' });
  assert.equal((await custom.authenticate({ authorization: `Bearer ${await sign(rs256, { claims: { src: source } })}` })).source, source);
});

test('an unsigned token is refused by algorithm', async () => {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${encode({ alg: 'none' })}.${encode({ iss: ISSUER, aud: AUDIENCE, sub: 'rides-service', exp: 4102444800 })}.`;
  await assertInvalidToken(authenticator(), unsigned, /^token algorithm is not one of/);
});

function configurationProblems(jwt: JwtOptions): readonly string[] {
  try {
    new Authenticator({ jwt });
  } catch (err) {
    assert.ok(err instanceof AuthError && err.code === 'invalid_configuration', `expected invalid_configuration, got ${String(err)}`);
    return err.problems;
  }
  assert.fail('expected the options to be refused');
}

test('JWT options are checked at construction, every problem at once', () => {
  assert.deepEqual(configurationProblems({ issuer: '', jwksUrl: 'ftp://idp.example/jwks', hs256Secret: 'short', jwks: { keys: [{ ...rs256.jwk, d: 'private' }] } }), [
    'issuer is required',
    'jwksUrl must be an http or https URL',
    'hs256Secret must be at least 32 bytes, got 5',
    'jwks key 0 holds secret key material ("d"): give public keys only',
  ]);
  assert.deepEqual(configurationProblems({ issuer: ISSUER }), ['no key: set jwksUrl, jwks or hs256Secret']);
  assert.deepEqual(configurationProblems({ issuer: ISSUER, jwks, algorithms: ['HS256'] }), ['algorithms include HS256 but no hs256Secret is set']);
});
