import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { keyringFromSettings } from './keyring.js';

const secret = () => randomBytes(32).toString('base64');

test('a keyring from the shared settings signs with the named key, or the only one', () => {
  assert.equal(keyringFromSettings({ signingKeys: JSON.stringify({ k1: secret() }) }).currentKeyId, 'k1');
  assert.equal(keyringFromSettings({ signingKeys: JSON.stringify({ k1: secret(), k2: secret() }), signingKeyId: 'k2' }).currentKeyId, 'k2');
});

test('bad signing settings are refused with a message naming the variable', () => {
  const cases: Array<[{ signingKeys?: string; signingKeyId?: string }, RegExp]> = [
    [{}, /^.*HERALD_SIGNING_KEYS is required/],
    [{ signingKeys: '{nope' }, /HERALD_SIGNING_KEYS is not JSON/],
    [{ signingKeys: '[]' }, /HERALD_SIGNING_KEYS must be a JSON object/],
    [{ signingKeys: JSON.stringify({ a: secret(), b: secret() }) }, /HERALD_SIGNING_KEY_ID is required when HERALD_SIGNING_KEYS holds several keys \(a, b\)/],
    [{ signingKeys: JSON.stringify({ a: secret() }), signingKeyId: 'z' }, /HERALD_SIGNING_KEYS \/ HERALD_SIGNING_KEY_ID: .*currentKeyId/],
    [{ signingKeys: JSON.stringify({ a: 'c2hvcnQ=' }) }, /at least 32 bytes/],
  ];
  for (const [settings, message] of cases) assert.throws(() => keyringFromSettings(settings), message, JSON.stringify(settings));
});
