import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { inspect } from 'node:util';
import { EnvelopeError } from './errors.js';
import { toKafkaMessage, type HeraldKafkaMessage } from './kafka.js';
import { Keyring } from './keyring.js';
import type { KafkaHeaders, KafkaRecord } from './record.js';
import { SIGNATURE_HEADER, signingInput, verifyMessage } from './signature.js';
import { fullEvent, NEW_SECRET_BASE64, OLD_SECRET, oldKeyring, rotatedKeyring } from './test-fixtures.js';

function signed(keyring = rotatedKeyring()): HeraldKafkaMessage {
  return toKafkaMessage(fullEvent(), keyring);
}

function withHeaders(message: HeraldKafkaMessage, headers: KafkaHeaders): KafkaRecord {
  return { ...message, headers: { ...message.headers, ...headers } };
}

describe('verifyMessage', () => {
  test('accepts a record as signed, naming the key that signed it', () => {
    assert.deepEqual(verifyMessage(signed(), rotatedKeyring()), { ok: true, keyId: 'k2025' });
  });

  test('accepts the record as a kafkajs consumer delivers it, with Buffer key and headers', () => {
    const message = signed();
    const consumed: KafkaRecord = {
      key: Buffer.from(message.key),
      value: message.value,
      headers: Object.fromEntries(Object.entries(message.headers).map(([name, value]) => [name, Buffer.from(value)])),
    };
    assert.deepEqual(verifyMessage(consumed, rotatedKeyring()), { ok: true, keyId: 'k2025' });
  });

  test('accepts a record a router added routing headers to', () => {
    const routed = withHeaders(signed(), { 'herald-route-subscription': 'billing', 'herald-route-attempt': [Buffer.from('1'), Buffer.from('2')] });
    assert.deepEqual(verifyMessage(routed, rotatedKeyring()), { ok: true, keyId: 'k2025' });
  });

  describe('key rotation', () => {
    test('a record signed with the old key verifies while the old key is still in the ring', () => {
      assert.deepEqual(verifyMessage(signed(oldKeyring()), rotatedKeyring()), { ok: true, keyId: 'k2024' });
    });

    test('a record signed with a key the ring no longer holds fails as unknown_key', () => {
      const retired = new Keyring({ currentKeyId: 'k2025', keys: { k2025: NEW_SECRET_BASE64 } });
      assert.deepEqual(verifyMessage(signed(oldKeyring()), retired), { ok: false, reason: 'unknown_key' });
    });

    test('the same key id with a different secret fails as mismatch', () => {
      const impostor = new Keyring({ currentKeyId: 'k2024', keys: { k2024: Buffer.alloc(32, 0x33) } });
      assert.deepEqual(verifyMessage(signed(oldKeyring()), impostor), { ok: false, reason: 'mismatch' });
    });
  });

  describe('tampering', () => {
    test('an altered value fails as mismatch', () => {
      const message = signed();
      const value = Buffer.from(message.value);
      value[value.length - 1] = (value[value.length - 1] ?? 0) ^ 0x01;
      assert.deepEqual(verifyMessage({ ...message, value }, rotatedKeyring()), { ok: false, reason: 'mismatch' });
    });

    test('an altered key fails as mismatch', () => {
      assert.deepEqual(verifyMessage({ ...signed(), key: 'ride-43' }, rotatedKeyring()), { ok: false, reason: 'mismatch' });
      assert.deepEqual(verifyMessage({ ...signed(), key: null }, rotatedKeyring()), { ok: false, reason: 'mismatch' });
    });

    const message = signed();
    const signedHeaders = Object.keys(message.headers).filter((name) => name !== SIGNATURE_HEADER);
    for (const name of signedHeaders) {
      test(`an altered ${name} header fails as mismatch`, () => {
        const altered = withHeaders(message, { [name]: `${message.headers[name] ?? ''}x` });
        assert.deepEqual(verifyMessage(altered, rotatedKeyring()), { ok: false, reason: 'mismatch' });
      });
      test(`a removed ${name} header fails as mismatch`, () => {
        const { [name]: _, ...headers } = message.headers;
        assert.deepEqual(verifyMessage({ ...message, headers }, rotatedKeyring()), { ok: false, reason: 'mismatch' });
      });
    }

    test('an added ce_ header fails as mismatch, also in another case', () => {
      for (const added of [{ ce_tracestate: 'rojo=1' }, { CE_Type: 'com.evil.rides.ride.requested' }, { 'Content-Type': 'application/json' }]) {
        assert.deepEqual(verifyMessage(withHeaders(signed(), added), rotatedKeyring()), { ok: false, reason: 'mismatch' }, JSON.stringify(added));
      }
    });

    test('a repeated ce_ header fails as mismatch', () => {
      const message = signed();
      const repeated = withHeaders(message, { ce_type: [message.headers.ce_type ?? '', 'com.evil.rides.ride.requested'] });
      assert.deepEqual(verifyMessage(repeated, rotatedKeyring()), { ok: false, reason: 'mismatch' });
    });
  });

  describe('the signature header itself', () => {
    test('a removed signature fails as missing', () => {
      const { [SIGNATURE_HEADER]: _, ...headers } = signed().headers;
      assert.deepEqual(verifyMessage({ ...signed(), headers }, rotatedKeyring()), { ok: false, reason: 'missing' });
      assert.deepEqual(verifyMessage(withHeaders(signed(), { [SIGNATURE_HEADER]: [] }), rotatedKeyring()), { ok: false, reason: 'missing' });
    });

    test('a signature not in the v1 format fails as malformed', () => {
      const message = signed();
      const good = message.headers[SIGNATURE_HEADER] ?? '';
      const sig = good.slice(good.indexOf('sig=') + 4);
      // The last of 43 base64url characters carries 2 spare bits: flipping one spells the same bytes.
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const respelled = `${sig.slice(0, 42)}${alphabet[alphabet.indexOf(sig.at(-1) ?? 'A') ^ 1] ?? ''}`;
      assert.ok(Buffer.from(respelled, 'base64url').equals(Buffer.from(sig, 'base64url')));
      for (const value of [
        'garbage',
        `v2;kid=k2025;sig=${sig}`,
        `v1;kid=k2025;sig=${sig}=`,
        `v1;kid=k 2025;sig=${sig}`,
        `v1;sig=${sig};kid=k2025`,
        `v1;kid=k2025;sig=${sig.slice(1)}`,
        `v1;kid=k2025;sig=${respelled}`,
        [good, good],
      ]) {
        assert.deepEqual(verifyMessage(withHeaders(message, { [SIGNATURE_HEADER]: value }), rotatedKeyring()), { ok: false, reason: 'malformed' }, String(value));
      }
    });

    test('a signature header delivered as a Buffer verifies', () => {
      const message = signed();
      const asBuffer = withHeaders(message, { [SIGNATURE_HEADER]: Buffer.from(message.headers[SIGNATURE_HEADER] ?? '') });
      assert.deepEqual(verifyMessage(asBuffer, rotatedKeyring()), { ok: true, keyId: 'k2025' });
    });
  });
});

describe('signingInput', () => {
  const base: KafkaRecord = { key: 'ab', value: Buffer.from('c'), headers: { ce_id: '1', 'content-type': 'application/avro' } };

  test('is the same whatever the header order or value representation', () => {
    const reordered: KafkaRecord = { key: Buffer.from('ab'), value: Buffer.from('c'), headers: { 'content-type': Buffer.from('application/avro'), ce_id: ['1'] } };
    assert.ok(signingInput(reordered).equals(signingInput(base)));
  });

  test('tells apart records that concatenate to the same bytes', () => {
    const variants: KafkaRecord[] = [
      base,
      { ...base, key: 'a', value: Buffer.from('bc') },
      { ...base, key: '', value: Buffer.from('abc') },
      { ...base, key: null },
      { ...base, key: '' },
      { ...base, headers: { ce_id: '1', 'content-type': 'application/avro', ce_x: '' } },
      { ...base, headers: { ce_i: 'd1', 'content-type': 'application/avro' } },
      { ...base, headers: { ce_id: ['1', ''], 'content-type': 'application/avro' } },
    ];
    const inputs = new Set(variants.map((record) => signingInput(record).toString('hex')));
    assert.equal(inputs.size, variants.length);
  });

  test('covers no transport header', () => {
    const routed = { ...base, headers: { ...base.headers, 'herald-route-to': 'sub.billing', [SIGNATURE_HEADER]: 'v1;kid=a;sig=b' } };
    assert.ok(signingInput(routed).equals(signingInput(base)));
  });
});

describe('Keyring', () => {
  test('a Buffer secret and its base64 spelling sign alike', () => {
    const fromBase64 = new Keyring({ currentKeyId: 'k2024', keys: { k2024: OLD_SECRET.toString('base64') } });
    assert.equal(signed(fromBase64).headers[SIGNATURE_HEADER], signed(oldKeyring()).headers[SIGNATURE_HEADER]);
  });

  test('rejects a bad config with every problem, and never echoes a secret', () => {
    const shortSecret = Buffer.alloc(16, 0x44).toString('base64');
    assert.throws(
      () => new Keyring({ currentKeyId: 'k9', keys: { short: shortSecret, 'not base64': 'c2VjcmV0 !', 'k;1': OLD_SECRET } }),
      (error: unknown) => {
        assert.ok(error instanceof EnvelopeError);
        assert.equal(error.code, 'invalid_keyring');
        assert.equal(error.retriable, false);
        assert.deepEqual(error.problems, [
          { attribute: 'keys.short', reason: 'secret must be at least 32 bytes, got 16' },
          { attribute: 'keys.not base64', reason: 'key id must be 1 to 64 of A-Z a-z 0-9 . _ -' },
          { attribute: 'keys.not base64', reason: 'must be a Buffer or a padded standard base64 string' },
          { attribute: 'keys.k;1', reason: 'key id must be 1 to 64 of A-Z a-z 0-9 . _ -' },
          { attribute: 'currentKeyId', reason: 'must name one of the keys, got "k9"' },
        ]);
        assert.ok(!error.message.includes(shortSecret) && !error.message.includes('c2VjcmV0'));
        return true;
      },
    );
  });

  test('does not reveal its secrets when logged or serialized', () => {
    const keyring = rotatedKeyring();
    const shown = `${JSON.stringify(keyring)} ${inspect(keyring, { showHidden: true })}`;
    for (const secret of [NEW_SECRET_BASE64, OLD_SECRET.toString('base64'), '11 11 11', '22 22 22']) assert.ok(!shown.includes(secret), shown);
  });
});
