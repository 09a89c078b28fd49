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

/**
 * The keyring of the shared settings HERALD_SIGNING_KEYS (JSON: key id → base64 secret) and
 * HERALD_SIGNING_KEY_ID (the signing key; optional when there is only one key). Messages
 * name the variables, since this runs at a service's start.
 */
export function keyringFromSettings(settings: { signingKeys?: string | undefined; signingKeyId?: string | undefined }): Keyring {
  if (!settings.signingKeys) throw new EnvelopeError('invalid_keyring', 'HERALD_SIGNING_KEYS is required: the event signing keys, as JSON {"<key id>": "<base64 secret>"}');
  let keys: unknown;
  try {
    keys = JSON.parse(settings.signingKeys);
  } catch (err) {
    throw new EnvelopeError('invalid_keyring', `HERALD_SIGNING_KEYS is not JSON: ${(err as Error).message}`, { cause: err });
  }
  if (typeof keys !== 'object' || keys === null || Array.isArray(keys) || Object.keys(keys).length === 0) {
    throw new EnvelopeError('invalid_keyring', 'HERALD_SIGNING_KEYS must be a JSON object {"<key id>": "<base64 secret>"} with at least one key');
  }
  const ids = Object.keys(keys);
  const currentKeyId = settings.signingKeyId ?? (ids.length === 1 ? ids[0]! : undefined);
  if (currentKeyId === undefined) throw new EnvelopeError('invalid_keyring', `HERALD_SIGNING_KEY_ID is required when HERALD_SIGNING_KEYS holds several keys (${ids.join(', ')})`);
  try {
    return new Keyring({ currentKeyId, keys: keys as Record<string, string> });
  } catch (err) {
    const problems = err instanceof EnvelopeError ? err.problems.map((p) => `${p.attribute}: ${p.reason}`).join('; ') : (err as Error).message;
    throw new EnvelopeError('invalid_keyring', `HERALD_SIGNING_KEYS / HERALD_SIGNING_KEY_ID: ${problems}`, { cause: err });
  }
}
