// API keys: `hk_<keyId>_<secret>`, where the secret is 32 random bytes in unpadded base64url.
// Only SHA-256 of the secret is stored. A slow password hash (bcrypt, scrypt, argon2) exists
// to make guessing low-entropy passwords expensive; a 256-bit random secret cannot be guessed
// at any speed, so a slow hash would buy nothing and add its cost to every request. The stored
// hash is compared in constant time all the same, so response times say nothing about it.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AuthError } from './errors.js';
import { ADMIN_PRINCIPAL_ID, sourceProblem, type Principal } from './principal.js';

/** One API key as stored in the keys file or HERALD_API_KEYS. */
export interface ApiKeyEntry {
  /** The key id, also the principal id that grants name: `[a-z0-9-]{1,64}`. */
  id: string;
  /** `sha256:` and the lowercase hex SHA-256 of the secret (the 43 characters after the id). */
  hash: string;
  /** Absolute URI: the `ce_source` of events published with this key. */
  source?: string;
  /** Every right on every event type; default false. */
  admin?: boolean;
  /** Refused, though kept on file (a key being retired); default false. */
  disabled?: boolean;
}

/** Every API key and the admin key start with this; a JWT cannot (its first part is base64url JSON, `ey…`). */
export const API_KEY_PREFIX = 'hk_';

const ADMIN_KEY_PREFIX = `${API_KEY_PREFIX}${ADMIN_PRINCIPAL_ID}_`;
const MIN_ADMIN_SECRET_CHARS = 32;
const SECRET_BYTES = 32;
const KEY_ID = /^[a-z0-9-]{1,64}$/;
// The key id has no "_" and the secret is exactly 43 characters, so the split is unambiguous.
const API_KEY = /^hk_([a-z0-9-]{1,64})_([A-Za-z0-9_-]{43})$/;
// Any visible ASCII: the operator chooses this secret, and it travels in an HTTP header.
const ADMIN_KEY = new RegExp(`^${ADMIN_KEY_PREFIX}[\\x21-\\x7e]{${MIN_ADMIN_SECRET_CHARS},}$`);
const HASH = /^sha256:[0-9a-f]{64}$/;
const ENTRY_FIELDS = new Set(['id', 'hash', 'source', 'admin', 'disabled']);

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** The stored form of a key's secret: `sha256:<hex>`. */
function hashSecret(secret: string): string {
  return `sha256:${sha256(secret).toString('hex')}`;
}

/** Why `keyId` cannot name an API key, or undefined when it can. */
export function keyIdProblem(keyId: unknown): string | undefined {
  if (typeof keyId !== 'string' || !KEY_ID.test(keyId)) return 'must be 1 to 64 of a-z 0-9 -';
  if (keyId === ADMIN_PRINCIPAL_ID) return `must not be "${ADMIN_PRINCIPAL_ID}": hk_admin_… is the admin key (HERALD_ADMIN_KEY)`;
  return undefined;
}

/** Why `token` cannot be the admin key, or undefined when it can. Never echoes the token. */
export function adminKeyProblem(token: string): string | undefined {
  return ADMIN_KEY.test(token) ? undefined : `must be ${ADMIN_KEY_PREFIX}<secret> with a secret of at least ${MIN_ADMIN_SECRET_CHARS} visible ASCII characters`;
}

function problemOf(field: string, reason: string | undefined): string | undefined {
  return reason === undefined ? undefined : `${field} ${reason}`;
}

export interface GenerateApiKeyOptions {
  source?: string;
  admin?: boolean;
}

/**
 * A new API key: the token to hand to the caller (shown once, never stored) and the entry to
 * add to the keys file. Throws an `invalid_configuration` AuthError for a bad id or source.
 */
export function generateApiKey(keyId: string, options: GenerateApiKeyOptions = {}): { token: string; entry: ApiKeyEntry } {
  const problems = [problemOf('key id', keyIdProblem(keyId)), options.source === undefined ? undefined : problemOf('source', sourceProblem(options.source))].filter(
    (p) => p !== undefined,
  );
  if (problems.length > 0) throw new AuthError('invalid_configuration', 'cannot generate an API key', { problems });
  const secret = randomBytes(SECRET_BYTES).toString('base64url');
  const entry: ApiKeyEntry = { id: keyId, hash: hashSecret(secret) };
  if (options.source !== undefined) entry.source = options.source;
  if (options.admin) entry.admin = true;
  return { token: `${API_KEY_PREFIX}${keyId}_${secret}`, entry };
}

/** A new admin key, the value of HERALD_ADMIN_KEY. */
export function generateAdminKey(): string {
  return `${ADMIN_KEY_PREFIX}${randomBytes(SECRET_BYTES).toString('base64url')}`;
}

/**
 * Every problem with a list of key entries, each naming the entry (index and id) and the
 * field; phrased to follow the name of where the list came from ("HERALD_API_KEYS entry 2…").
 */
export function apiKeyEntriesProblems(value: unknown): string[] {
  if (!Array.isArray(value)) return ['must be a JSON array of key entries [{"id": …, "hash": "sha256:…"}]'];
  const problems: string[] = [];
  const firstIndexOf = new Map<string, number>();
  value.forEach((entry: unknown, index) => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      problems.push(`entry ${index} must be an object {"id": …, "hash": "sha256:…"}`);
      return;
    }
    const fields = entry as Record<string, unknown>;
    const where = typeof fields.id === 'string' ? `entry ${index} (${JSON.stringify(fields.id)})` : `entry ${index}`;
    const found = [
      ...Object.keys(fields)
        .filter((name) => !ENTRY_FIELDS.has(name))
        .map((name) => `has unknown field ${JSON.stringify(name)}`),
      problemOf('"id"', keyIdProblem(fields.id)),
      typeof fields.hash === 'string' && HASH.test(fields.hash) ? undefined : '"hash" must be "sha256:" followed by 64 lowercase hex digits',
      fields.source === undefined ? undefined : problemOf('"source"', sourceProblem(fields.source)),
      fields.admin === undefined || typeof fields.admin === 'boolean' ? undefined : '"admin" must be true or false',
      fields.disabled === undefined || typeof fields.disabled === 'boolean' ? undefined : '"disabled" must be true or false',
    ];
    if (typeof fields.id === 'string') {
      const first = firstIndexOf.get(fields.id);
      if (first === undefined) firstIndexOf.set(fields.id, index);
      else found.push(`"id" duplicates entry ${first}`);
    }
    for (const problem of found) if (problem !== undefined) problems.push(`${where} ${problem}`);
  });
  return problems;
}

/** Parses and checks a JSON array of key entries; throws an `invalid_configuration` AuthError listing every problem. */
export function parseApiKeys(json: string): ApiKeyEntry[] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw new AuthError('invalid_configuration', 'invalid API keys', { problems: [`is not JSON: ${(err as Error).message}`], cause: err });
  }
  const problems = apiKeyEntriesProblems(value);
  if (problems.length > 0) throw new AuthError('invalid_configuration', 'invalid API keys', { problems });
  return value as ApiKeyEntry[];
}

interface StoredKey {
  entry: ApiKeyEntry;
  digest: Buffer;
}

export interface ApiKeyVerifierOptions {
  entries?: readonly ApiKeyEntry[];
  /** The admin key, `hk_admin_<secret>`; unset: no admin key is accepted. */
  adminKey?: string;
}

/** Checks `hk_…` tokens against the stored key hashes and the admin key. */
export class ApiKeyVerifier {
  readonly #keys = new Map<string, StoredKey>();
  readonly #adminDigest: Buffer | undefined;
  // Unknown ids are compared against this random digest, which no secret hashes to, so an
  // unknown id and a wrong secret take the same path.
  readonly #unknownKeyDigest = sha256(randomBytes(SECRET_BYTES).toString('base64url'));

  /** Throws an `invalid_configuration` AuthError listing every problem with the entries and admin key. */
  constructor(options: ApiKeyVerifierOptions = {}) {
    const entries = options.entries ?? [];
    const problems = apiKeyEntriesProblems(entries).map((p) => `API keys ${p}`);
    if (options.adminKey !== undefined) {
      const problem = adminKeyProblem(options.adminKey);
      if (problem !== undefined) problems.push(`admin key ${problem}`);
    }
    if (problems.length > 0) throw new AuthError('invalid_configuration', 'invalid API key configuration', { problems });
    for (const entry of entries) this.#keys.set(entry.id, { entry, digest: Buffer.from(entry.hash.slice('sha256:'.length), 'hex') });
    // Hashing the admin key gives both sides of the comparison the same length.
    this.#adminDigest = options.adminKey === undefined ? undefined : sha256(options.adminKey);
  }

  /** The principal of an `hk_…` token; throws an `invalid_credentials` AuthError. */
  verify(token: string): Principal {
    if (token.startsWith(ADMIN_KEY_PREFIX)) return this.#verifyAdminKey(token);
    const match = API_KEY.exec(token);
    if (match === null) throw new AuthError('invalid_credentials', 'malformed API key: expected hk_<keyId>_<secret of 43 base64url characters>');
    const keyId = match[1]!;
    const secret = match[2]!;
    const stored = this.#keys.get(keyId);
    const matches = timingSafeEqual(sha256(secret), stored?.digest ?? this.#unknownKeyDigest);
    if (stored === undefined || !matches) throw new AuthError('invalid_credentials', `API key "${keyId}" is not valid: unknown key id or wrong secret`);
    const { entry } = stored;
    if (entry.disabled) throw new AuthError('invalid_credentials', `API key "${keyId}" is disabled`);
    return { id: entry.id, kind: 'api_key', authtype: 'api_key', admin: entry.admin ?? false, ...(entry.source === undefined ? {} : { source: entry.source }) };
  }

  #verifyAdminKey(token: string): Principal {
    if (this.#adminDigest === undefined || !timingSafeEqual(sha256(token), this.#adminDigest)) {
      throw new AuthError('invalid_credentials', 'admin key is not valid');
    }
    return { id: ADMIN_PRINCIPAL_ID, kind: 'admin', authtype: 'system', admin: true };
  }
}
