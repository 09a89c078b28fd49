// From request headers to a Principal. The credential's shape says what it is: `hk_…` is an
// API key (or the admin key), three dot-separated base64url parts a JWT.
import { API_KEY_PREFIX, ApiKeyVerifier, type ApiKeyEntry } from './api-keys.js';
import { AuthError } from './errors.js';
import { JwtVerifier, type JwtOptions } from './jwt.js';
import type { Principal } from './principal.js';

/** The request headers a credential can arrive in (lower-case names, as Node gives them). */
export interface CredentialHeaders {
  authorization?: string;
  'x-api-key'?: string;
}

export interface AuthenticatorOptions {
  apiKeys?: readonly ApiKeyEntry[];
  /** `hk_admin_<secret>`; unset: no admin key. */
  adminKey?: string;
  /** Unset: JWTs are refused. */
  jwt?: JwtOptions;
}

// RFC 6750 section 2.1: the scheme is case-insensitive, separated from the token by spaces.
const BEARER = /^Bearer +(\S+) *$/i;
// A JWS in compact serialization; an unsigned token (empty third part) gets jose's verdict.
const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export class Authenticator {
  readonly #apiKeys: ApiKeyVerifier;
  readonly #jwt: JwtVerifier | undefined;

  /** Throws an `invalid_configuration` AuthError listing every problem with the options. */
  constructor(options: AuthenticatorOptions = {}) {
    this.#apiKeys = new ApiKeyVerifier({ entries: options.apiKeys, adminKey: options.adminKey });
    this.#jwt = options.jwt === undefined ? undefined : new JwtVerifier(options.jwt);
  }

  /**
   * The caller's principal. Throws an AuthError: `missing_credentials`, `invalid_credentials`,
   * `invalid_token`; `key_set_unavailable` (retriable) when the JWKS URL does not answer, and
   * `invalid_configuration` when a key of the static JWKS cannot be imported.
   */
  async authenticate(headers: CredentialHeaders): Promise<Principal> {
    const { token, header } = credentialOf(headers);
    if (token.startsWith(API_KEY_PREFIX)) return this.#apiKeys.verify(token);
    if (!JWT.test(token)) throw new AuthError('invalid_credentials', 'credential is neither an API key (hk_<keyId>_<secret>) nor a JWT');
    if (header === 'x-api-key') throw new AuthError('invalid_credentials', 'X-API-Key carries API keys only: send a JWT as Authorization: Bearer <token>');
    if (this.#jwt === undefined) throw new AuthError('invalid_token', 'JWT bearer tokens are not accepted here: send an API key');
    return this.#jwt.verify(token);
  }
}

function credentialOf(headers: CredentialHeaders): { token: string; header: keyof CredentialHeaders } {
  const authorization = headers.authorization || undefined;
  const apiKey = headers['x-api-key'] || undefined;
  if (apiKey !== undefined) {
    // Two credentials could name two principals; refusing beats guessing which one is meant.
    if (authorization !== undefined) throw new AuthError('invalid_credentials', 'send one credential: Authorization or X-API-Key, not both');
    return { token: apiKey, header: 'x-api-key' };
  }
  if (authorization === undefined) throw new AuthError('missing_credentials', 'no credential: send Authorization: Bearer <API key or JWT>, or X-API-Key: <API key>');
  const bearer = BEARER.exec(authorization);
  if (bearer === null) throw new AuthError('invalid_credentials', 'Authorization must be "Bearer <API key or JWT>"');
  return { token: bearer[1]!, header: 'authorization' };
}
