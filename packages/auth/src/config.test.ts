import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { ConfigError, loadConfig } from '@herald/runtime';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { generateAdminKey, generateApiKey } from './api-keys.js';
import { authConfigSpec, createAuthenticator } from './config.js';

const ISSUER = 'https://idp.acme.example/';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'herald-auth-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function authenticatorOf(env: NodeJS.ProcessEnv) {
  return createAuthenticator(loadConfig(authConfigSpec, { env, ownedPrefixes: ['HERALD_'] }));
}

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    authenticatorOf(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

test('keys from the file and from HERALD_API_KEYS add up, next to the admin key', async (t) => {
  const dir = tempDir(t);
  const rides = generateApiKey('rides-service');
  const billing = generateApiKey('billing');
  const adminKey = generateAdminKey();
  writeFileSync(join(dir, 'keys.json'), JSON.stringify([rides.entry]));
  const auth = authenticatorOf({ HERALD_API_KEYS_FILE: join(dir, 'keys.json'), HERALD_API_KEYS: JSON.stringify([billing.entry]), HERALD_ADMIN_KEY: adminKey });
  assert.equal((await auth.authenticate({ 'x-api-key': rides.token })).id, 'rides-service');
  assert.equal((await auth.authenticate({ 'x-api-key': billing.token })).id, 'billing');
  assert.equal((await auth.authenticate({ 'x-api-key': adminKey })).id, 'admin');
});

test('a bad key file or key list is reported by variable, file, entry and field', (t) => {
  const dir = tempDir(t);
  const rides = generateApiKey('rides-service');
  writeFileSync(join(dir, 'bad.json'), JSON.stringify([rides.entry, { id: 'billing', hash: 'sha256:nope' }]));
  assert.deepEqual(problemsOf({ HERALD_API_KEYS_FILE: join(dir, 'bad.json'), HERALD_API_KEYS: '{}' }), [
    `HERALD_API_KEYS_FILE (${join(dir, 'bad.json')}) entry 1 ("billing") "hash" must be "sha256:" followed by 64 lowercase hex digits`,
    'HERALD_API_KEYS must be a JSON array of key entries [{"id": …, "hash": "sha256:…"}]',
  ]);
  writeFileSync(join(dir, 'keys.json'), JSON.stringify([rides.entry]));
  assert.deepEqual(problemsOf({ HERALD_API_KEYS_FILE: join(dir, 'keys.json'), HERALD_API_KEYS: JSON.stringify([rides.entry]) }), [
    'HERALD_API_KEYS entry 0 ("rides-service") "id" is also in HERALD_API_KEYS_FILE',
  ]);
  const [notJson] = problemsOf({ HERALD_API_KEYS: '[{"id": "rides-service"' });
  assert.match(notJson!, /^HERALD_API_KEYS is not JSON: /);
  const [missing] = problemsOf({ HERALD_API_KEYS_FILE: join(dir, 'absent.json') });
  assert.match(missing!, /^HERALD_API_KEYS_FILE names a file that cannot be read: ENOENT/);
});

test('a malformed admin key is named without being echoed', () => {
  const problems = problemsOf({ HERALD_ADMIN_KEY: 'hk_admin_hunter2' });
  assert.deepEqual(problems, ['HERALD_ADMIN_KEY must be hk_admin_<secret> with a secret of at least 32 visible ASCII characters']);
});

test('JWT settings that do not add up are reported together, by variable', () => {
  assert.deepEqual(problemsOf({ HERALD_JWT_JWKS_URL: 'idp.acme.example/jwks', HERALD_JWT_HS256_SECRET: 'short', HERALD_JWT_JWKS: '{"keys": 1}', HERALD_JWT_JWKS_FILE: '/nonexistent/jwks.json' }), [
    'HERALD_JWT_ISSUER is required when JWTs are accepted (HERALD_JWT_JWKS_URL, HERALD_JWT_JWKS, HERALD_JWT_JWKS_FILE, HERALD_JWT_HS256_SECRET set): the expected "iss"',
    'HERALD_JWT_JWKS and HERALD_JWT_JWKS_FILE are alternatives: set one',
    'HERALD_JWT_JWKS_URL must be an http or https URL, got "idp.acme.example/jwks"',
    'HERALD_JWT_HS256_SECRET must be at least 32 bytes, got 5',
    'HERALD_JWT_JWKS must be a JWKS: {"keys": [{"kty": …}, …]}',
    "HERALD_JWT_JWKS_FILE names a file that cannot be read: ENOENT: no such file or directory, open '/nonexistent/jwks.json'",
  ]);
  assert.deepEqual(problemsOf({ HERALD_JWT_ISSUER: ISSUER, HERALD_JWT_AUDIENCE: 'herald' }), [
    'HERALD_JWT_ISSUER, HERALD_JWT_AUDIENCE set, but no key verifies JWTs: set one of HERALD_JWT_JWKS_URL, HERALD_JWT_JWKS, HERALD_JWT_JWKS_FILE, HERALD_JWT_HS256_SECRET',
  ]);
});

test('an authtype outside the JWT ones is refused by loadConfig', () => {
  assert.throws(() => loadConfig(authConfigSpec, { env: { HERALD_JWT_AUTHTYPE: 'system' }, ownedPrefixes: ['HERALD_'] }), /HERALD_JWT_AUTHTYPE must be one of service_account, user, app_user, unknown/);
});

test('a JWKS file and the claim settings configure JWT verification', async (t) => {
  const dir = tempDir(t);
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] }));
  const auth = authenticatorOf({
    HERALD_JWT_ISSUER: ISSUER,
    HERALD_JWT_AUDIENCE: 'herald',
    HERALD_JWT_JWKS_FILE: join(dir, 'jwks.json'),
    HERALD_JWT_PRINCIPAL_CLAIM: 'azp',
    HERALD_JWT_SOURCE_CLAIM: 'src',
    HERALD_JWT_AUTHTYPE: 'app_user',
    HERALD_JWT_ADMIN_CLAIM: 'ops',
  });
  const token = await new SignJWT({ azp: 'mobile-app', src: 'https://app.acme.example/', ops: true })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
    .setIssuer(ISSUER)
    .setAudience('herald')
    .setExpirationTime('5m')
    .sign(privateKey);
  assert.deepEqual(await auth.authenticate({ authorization: `Bearer ${token}` }), {
    id: 'mobile-app',
    kind: 'jwt',
    authtype: 'app_user',
    admin: true,
    source: 'https://app.acme.example/',
  });
});

test('with no auth settings, every credential is refused', async () => {
  const auth = authenticatorOf({});
  await assert.rejects(auth.authenticate({ 'x-api-key': generateApiKey('rides-service').token }), { code: 'invalid_credentials' });
  await assert.rejects(auth.authenticate({ 'x-api-key': generateAdminKey() }), { code: 'invalid_credentials' });
});
