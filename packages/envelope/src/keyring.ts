// HMAC-SHA256 keys under ids, so keys rotate: sign with the current key, verify with any key
// still in the ring. Secrets live in private fields and never appear in errors or logs.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { EnvelopeError, type EnvelopeProblem } from './errors.js';

export interface KeyringConfig {
  /** The id of the key new signatures use; must be one of `keys`. */
  currentKeyId: string;
  /**
   * Secrets by key id: raw bytes, or a string holding them in padded standard base64
   * (what `openssl rand -base64 32` prints). At least 32 bytes, the HMAC-SHA256 output size.
   */
  keys: Record<string, Buffer | string>;
}

export type KeyCheck = 'ok' | 'unknown_key' | 'mismatch';

// Key ids appear in the signature header between ";" separators.
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const MIN_SECRET_BYTES = 32;

function decodeSecret(secret: Buffer | string): Buffer | string {
  if (Buffer.isBuffer(secret)) return Buffer.from(secret); // a copy: the caller may reuse theirs
  if (typeof secret !== 'string' || !BASE64.test(secret)) return 'must be a Buffer or a padded standard base64 string';
  return Buffer.from(secret, 'base64');
}

function hmac(secret: Buffer, input: Buffer): Buffer {
  return createHmac('sha256', secret).update(input).digest();
}

export class Keyring {
  readonly currentKeyId: string;
  readonly #current: Buffer;
  readonly #secrets = new Map<string, Buffer>();

  /** Throws an `invalid_keyring` EnvelopeError listing every problem with the config. */
  constructor(config: KeyringConfig) {
    const problems: EnvelopeProblem[] = [];
    for (const [keyId, secret] of Object.entries(config.keys)) {
      const decoded = decodeSecret(secret);
      if (!KEY_ID.test(keyId)) problems.push({ attribute: `keys.${keyId}`, reason: 'key id must be 1 to 64 of A-Z a-z 0-9 . _ -' });
      if (typeof decoded === 'string') problems.push({ attribute: `keys.${keyId}`, reason: decoded });
      else if (decoded.length < MIN_SECRET_BYTES) problems.push({ attribute: `keys.${keyId}`, reason: `secret must be at least ${MIN_SECRET_BYTES} bytes, got ${decoded.length}` });
      else this.#secrets.set(keyId, decoded);
    }
    if (!Object.hasOwn(config.keys, config.currentKeyId)) {
      problems.push({ attribute: 'currentKeyId', reason: `must name one of the keys, got ${JSON.stringify(config.currentKeyId)}` });
    }
    const current = this.#secrets.get(config.currentKeyId);
    if (problems.length > 0 || current === undefined) throw new EnvelopeError('invalid_keyring', 'invalid signing keyring', { problems });
    this.currentKeyId = config.currentKeyId;
    this.#current = current;
  }

  /** HMAC-SHA256 of `input` under the current key. */
  sign(input: Buffer): { keyId: string; mac: Buffer } {
    return { keyId: this.currentKeyId, mac: hmac(this.#current, input) };
  }

  /** Checks `mac` over `input` under the named key, in constant time. */
  verify(keyId: string, input: Buffer, mac: Buffer): KeyCheck {
    const secret = this.#secrets.get(keyId);
    if (secret === undefined) return 'unknown_key';
    const expected = hmac(secret, input);
    return mac.length === expected.length && timingSafeEqual(mac, expected) ? 'ok' : 'mismatch';
  }
}
