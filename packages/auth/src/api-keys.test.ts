import assert from 'node:assert/strict';
import crypto, { createHash } from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { test } from 'node:test';
import { ApiKeyVerifier, generateAdminKey, generateApiKey, parseApiKeys, type ApiKeyEntry } from './api-keys.js';
import { AuthError } from './errors.js';

const SOURCE = 'https://rides.acme.example/dispatch';

function rejection(fn: () => unknown): AuthError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof AuthError, `expected an AuthError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected an AuthError');
}

function problemsOf(json: string): readonly string[] {
  const err = rejection(() => parseApiKeys(json));
  assert.equal(err.code, 'invalid_configuration');
  return err.problems;
}

test('a generated key has the documented shape and its entry stores only the SHA-256 of the secret', () => {
  const { token, entry } = generateApiKey('rides-service', { source: SOURCE, admin: true });
  const match = /^hk_rides-service_([A-Za-z0-9_-]{43})$/.exec(token);
  assert.ok(match, token);
  assert.equal(Buffer.from(match[1]!, 'base64url').length, 32);
  assert.deepEqual(entry, { id: 'rides-service', hash: `sha256:${createHash('sha256').update(match[1]!).digest('hex')}`, source: SOURCE, admin: true });
  assert.ok(!JSON.stringify(entry).includes(match[1]!));
  assert.notEqual(generateApiKey('rides-service').token, token, 'every key has a fresh secret');
});

test('generateApiKey refuses a bad id, the reserved id "admin" and a relative source', () => {
  assert.deepEqual(rejection(() => generateApiKey('Rides_Service', { source: '/dispatch' })).problems, [
    'key id must be 1 to 64 of a-z 0-9 -',
    'source must be an absolute URI such as "https://rides.acme.example/dispatch"',
  ]);
  assert.match(rejection(() => generateApiKey('admin')).message, /must not be "admin"/);
});

test('a valid key authenticates as its principal, with its source and admin flag', () => {
  const rides = generateApiKey('rides-service', { source: SOURCE });
  const ops = generateApiKey('ops', { admin: true });
  const keys = new ApiKeyVerifier({ entries: [rides.entry, ops.entry] });
  assert.deepEqual(keys.verify(rides.token), { id: 'rides-service', kind: 'api_key', authtype: 'api_key', admin: false, source: SOURCE });
  assert.deepEqual(keys.verify(ops.token), { id: 'ops', kind: 'api_key', authtype: 'api_key', admin: true });
});

test('a wrong secret, an unknown id and a disabled key are invalid credentials', () => {
  const rides = generateApiKey('rides-service');
  const billing = generateApiKey('billing');
  const keys = new ApiKeyVerifier({ entries: [rides.entry, { ...billing.entry, disabled: true }] });
  const secret = rides.token.slice('hk_rides-service_'.length);
  const lastChanged = `hk_rides-service_${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;

  const wrongSecret = rejection(() => keys.verify(lastChanged));
  assert.equal(wrongSecret.code, 'invalid_credentials');
  assert.equal(wrongSecret.retriable, false);
  assert.equal(wrongSecret.message, 'API key "rides-service" is not valid: unknown key id or wrong secret');
  assert.ok(!wrongSecret.message.includes(secret.slice(0, -1)), 'the secret is never echoed');

  const unknown = rejection(() => keys.verify(`hk_payments_${secret}`));
  assert.equal(unknown.message, 'API key "payments" is not valid: unknown key id or wrong secret');

  const disabled = rejection(() => keys.verify(billing.token));
  assert.equal(disabled.code, 'invalid_credentials');
  assert.equal(disabled.message, 'API key "billing" is disabled');
});

test('malformed keys are refused before any lookup', () => {
  const keys = new ApiKeyVerifier({ entries: [generateApiKey('rides-service').entry] });
  const secret = 'a'.repeat(43);
  for (const token of [`hk_rides-service_${secret.slice(1)}`, `hk_rides-service_${secret}a`, `hk_Rides_${secret}`, `hk_rides-service_${'a'.repeat(42)}=`, `hk__${secret}`]) {
    const err = rejection(() => keys.verify(token));
    assert.equal(err.code, 'invalid_credentials', token);
    assert.match(err.message, /^malformed API key/, token);
  }
});

test('an unknown id and a wrong secret both go through one constant-time comparison of equal-length digests', (t) => {
  const rides = generateApiKey('rides-service');
  const keys = new ApiKeyVerifier({ entries: [rides.entry] });
  const secret = rides.token.slice('hk_rides-service_'.length);
  // The named import in api-keys.ts follows the builtin's export once the change is synced.
  const spy = t.mock.method(crypto, 'timingSafeEqual');
  syncBuiltinESMExports();
  t.after(() => {
    spy.mock.restore();
    syncBuiltinESMExports();
  });

  for (const token of [rides.token, `hk_rides-service_${'A'.repeat(43)}`, `hk_payments_${secret}`]) {
    spy.mock.resetCalls();
    try {
      keys.verify(token);
    } catch {
      // refusals are asserted elsewhere; here only the comparison matters
    }
    assert.equal(spy.mock.callCount(), 1, token);
    const [presented, stored] = spy.mock.calls[0]!.arguments as [Buffer, Buffer];
    assert.equal(presented.length, 32);
    assert.equal(stored.length, 32);
  }
});

test('the admin key authenticates as the admin principal; anything else hk_admin_… does not', () => {
  const adminKey = generateAdminKey();
  assert.match(adminKey, /^hk_admin_[A-Za-z0-9_-]{43}$/);
  const keys = new ApiKeyVerifier({ adminKey });
  assert.deepEqual(keys.verify(adminKey), { id: 'admin', kind: 'admin', authtype: 'system', admin: true });
  assert.equal(rejection(() => keys.verify(`${adminKey}x`)).message, 'admin key is not valid');
  assert.equal(rejection(() => new ApiKeyVerifier().verify(adminKey)).code, 'invalid_credentials', 'no admin key configured');

  const operatorChosen = `hk_admin_${'S3cr3t!'.repeat(5)}`;
  assert.equal(new ApiKeyVerifier({ adminKey: operatorChosen }).verify(operatorChosen).id, 'admin');
});

test('an admin key shorter than 32 secret characters is a configuration error that does not echo it', () => {
  const err = rejection(() => new ApiKeyVerifier({ adminKey: 'hk_admin_tooshort' }));
  assert.equal(err.code, 'invalid_configuration');
  assert.deepEqual(err.problems, ['admin key must be hk_admin_<secret> with a secret of at least 32 visible ASCII characters']);
});

test('parseApiKeys accepts the documented entry format', () => {
  const entries: ApiKeyEntry[] = [
    { id: 'rides-service', hash: `sha256:${'a'.repeat(64)}`, source: SOURCE, admin: false, disabled: false },
    { id: 'billing', hash: `sha256:${'0'.repeat(64)}` },
  ];
  assert.deepEqual(parseApiKeys(JSON.stringify(entries)), entries);
  assert.deepEqual(parseApiKeys('[]'), []);
});

test('parseApiKeys names the entry (index and id) and the field of every problem', () => {
  const good = `sha256:${'a'.repeat(64)}`;
  assert.deepEqual(
    problemsOf(
      JSON.stringify([
        { id: 'rides-service', hash: good },
        { id: 'billing', hash: 'sha256:ABC' },
        { id: 'rides-service', hash: good, source: 'rides' },
        { id: 'Bad Id', hash: `md5:${'a'.repeat(32)}`, admin: 'yes' },
        { id: 'admin', hash: good },
        { id: 'ops', hash: good, sorce: SOURCE, disabled: 1 },
        'hk_x',
        { hash: good },
      ]),
    ),
    [
      'entry 1 ("billing") "hash" must be "sha256:" followed by 64 lowercase hex digits',
      'entry 2 ("rides-service") "source" must be an absolute URI such as "https://rides.acme.example/dispatch"',
      'entry 2 ("rides-service") "id" duplicates entry 0',
      'entry 3 ("Bad Id") "id" must be 1 to 64 of a-z 0-9 -',
      'entry 3 ("Bad Id") "hash" must be "sha256:" followed by 64 lowercase hex digits',
      'entry 3 ("Bad Id") "admin" must be true or false',
      'entry 4 ("admin") "id" must not be "admin": hk_admin_… is the admin key (HERALD_ADMIN_KEY)',
      'entry 5 ("ops") has unknown field "sorce"',
      'entry 5 ("ops") "disabled" must be true or false',
      'entry 6 must be an object {"id": …, "hash": "sha256:…"}',
      'entry 7 "id" must be 1 to 64 of a-z 0-9 -',
    ],
  );
});

test('parseApiKeys refuses what is not JSON or not an array', () => {
  assert.match(problemsOf('[{"id": "x",]')[0]!, /^is not JSON: /);
  assert.deepEqual(problemsOf('{"id": "x"}'), ['must be a JSON array of key entries [{"id": …, "hash": "sha256:…"}]']);
});
