import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { createLogger, createMetrics, createServiceApp, listen, problemHandler } from '@herald/runtime';
import { generateAdminKey, generateApiKey } from './api-keys.js';
import { Authenticator, type CredentialHeaders } from './authenticator.js';
import { AuthError, type AuthErrorCode } from './errors.js';
import { principalOf, requirePrincipal } from './middleware.js';

const rides = generateApiKey('rides-service', { source: 'https://rides.acme.example/dispatch' });
const adminKey = generateAdminKey();
const authenticator = new Authenticator({ apiKeys: [rides.entry], adminKey });

async function refusalCode(headers: CredentialHeaders): Promise<{ code: AuthErrorCode; message: string }> {
  try {
    await authenticator.authenticate(headers);
  } catch (err) {
    assert.ok(err instanceof AuthError, `expected an AuthError, got ${String(err)}`);
    return { code: err.code, message: err.message };
  }
  assert.fail('expected the credential to be refused');
}

test('an API key is accepted as a Bearer token, with any case of the scheme, and as X-API-Key', async () => {
  for (const headers of [{ authorization: `Bearer ${rides.token}` }, { authorization: `bearer  ${rides.token}` }, { 'x-api-key': rides.token }]) {
    const principal = await authenticator.authenticate(headers);
    assert.equal(principal.id, 'rides-service', JSON.stringify(headers));
    assert.equal(principal.source, 'https://rides.acme.example/dispatch');
  }
  assert.equal((await authenticator.authenticate({ 'x-api-key': adminKey })).kind, 'admin');
});

test('no credential is missing_credentials; empty headers count as none', async () => {
  assert.equal((await refusalCode({})).code, 'missing_credentials');
  assert.equal((await refusalCode({ authorization: '', 'x-api-key': '' })).code, 'missing_credentials');
});

test('a credential that is no Bearer token, two credentials, or a token of no known shape is invalid_credentials', async () => {
  assert.deepEqual(await refusalCode({ authorization: `Basic ${Buffer.from('rides:secret').toString('base64')}` }), {
    code: 'invalid_credentials',
    message: 'Authorization must be "Bearer <API key or JWT>"',
  });
  assert.deepEqual(await refusalCode({ authorization: 'Bearer' }), { code: 'invalid_credentials', message: 'Authorization must be "Bearer <API key or JWT>"' });
  assert.equal((await refusalCode({ authorization: `Bearer ${rides.token}`, 'x-api-key': rides.token })).code, 'invalid_credentials');
  assert.deepEqual(await refusalCode({ authorization: 'Bearer let-me-in' }), {
    code: 'invalid_credentials',
    message: 'credential is neither an API key (hk_<keyId>_<secret>) nor a JWT',
  });
});

test('a JWT is refused in X-API-Key, and as a Bearer token when no issuer is configured', async () => {
  const jwtShaped = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';
  assert.match((await refusalCode({ 'x-api-key': jwtShaped })).message, /^X-API-Key carries API keys only/);
  assert.deepEqual(await refusalCode({ authorization: `Bearer ${jwtShaped}` }), {
    code: 'invalid_token',
    message: 'JWT bearer tokens are not accepted here: send an API key',
  });
});

async function serve(t: TestContext, auth: Pick<Authenticator, 'authenticate'>): Promise<string> {
  const logger = createLogger({ service: 'test', write: () => undefined });
  const service = createServiceApp({ logger, metrics: createMetrics({ service: 'test', defaultMetrics: false }) });
  service.app.get('/v1/whoami', requirePrincipal(auth), (_req, res) => {
    res.json(principalOf(res));
  });
  service.app.use(problemHandler(logger));
  const server = await listen(service.app, { port: 0, host: '127.0.0.1' });
  t.after(() => server.close());
  return server.url;
}

test('requirePrincipal hands the principal to the route', async (t) => {
  const url = await serve(t, authenticator);
  const res = await fetch(`${url}/v1/whoami`, { headers: { authorization: `Bearer ${rides.token}` } });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { id: 'rides-service', kind: 'api_key', authtype: 'api_key', admin: false, source: 'https://rides.acme.example/dispatch' });
});

test('requirePrincipal answers 401 problems with the RFC 6750 challenge', async (t) => {
  const url = await serve(t, authenticator);

  const missing = await fetch(`${url}/v1/whoami`);
  assert.equal(missing.status, 401);
  assert.equal(missing.headers.get('www-authenticate'), 'Bearer realm="herald"');
  assert.equal(missing.headers.get('content-type'), 'application/problem+json; charset=utf-8');
  assert.deepEqual(await missing.json(), {
    type: 'https://herald.dev/problems/unauthorized',
    title: 'Authentication required',
    status: 401,
    code: 'unauthorized',
    detail: 'no credential: send Authorization: Bearer <API key or JWT>, or X-API-Key: <API key>',
    instance: '/v1/whoami',
  });

  const wrong = await fetch(`${url}/v1/whoami`, { headers: { 'x-api-key': `hk_rides-service_${'A'.repeat(43)}` } });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.headers.get('www-authenticate'), 'Bearer realm="herald", error="invalid_token"');
  const body = (await wrong.json()) as { code: string; detail: string };
  assert.equal(body.code, 'unauthorized');
  assert.equal(body.detail, 'API key "rides-service" is not valid: unknown key id or wrong secret');
});

test('requirePrincipal answers 503 with Retry-After when the JWKS cannot be fetched', async (t) => {
  const url = await serve(t, {
    authenticate: () => Promise.reject(new AuthError('key_set_unavailable', 'cannot use the JWKS at https://idp.example/jwks: fetch failed')),
  });
  const res = await fetch(`${url}/v1/whoami`, { headers: { authorization: 'Bearer a.b.c' } });
  assert.equal(res.status, 503);
  assert.equal(res.headers.get('retry-after'), '5');
  const body = (await res.json()) as { code: string; detail: string };
  assert.equal(body.code, 'not_ready');
  assert.ok(!body.detail.includes('idp.example'), 'the internal JWKS URL stays in the logs');
});

test('principalOf refuses a route that is not behind requirePrincipal', () => {
  assert.throws(() => principalOf({ locals: {} } as Parameters<typeof principalOf>[0]), /not behind requirePrincipal/);
});
