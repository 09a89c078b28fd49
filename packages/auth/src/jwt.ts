// JWT bearer tokens, verified with jose against a JWKS URL (cached by jose, refetched when an
// unknown kid shows up), a static JWKS and/or a shared HS256 secret. Rejections say why, in
// words a caller can act on, and never repeat the token.
import type { AuthType } from '@herald/envelope';
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTPayload, type JWTVerifyGetKey, type RemoteJWKSetOptions } from 'jose';
import { jwtAuthTypes } from '@herald/runtime';
import { AuthError } from './errors.js';
import { principalIdProblem, sourceProblem, type Principal } from './principal.js';

/**
 * The authtypes a JWT principal may carry: `api_key` and `system` belong to API keys and the
 * admin key, and a verified token is never `unauthenticated`.
 */
export const JWT_AUTH_TYPES = jwtAuthTypes satisfies readonly AuthType[];

export type JwtAuthType = (typeof JWT_AUTH_TYPES)[number];

export const DEFAULT_JWT_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'] as const;

export interface JwtOptions {
  /** The expected `iss`; required. */
  issuer: string;
  /** The expected `aud`; unset: not checked. */
  audience?: string;
  /** The issuer's JWKS; jose caches it and refetches it for unknown kids (at most every 30 s). */
  jwksUrl?: string;
  /** Public keys given directly; tried before `jwksUrl`. */
  jwks?: JSONWebKeySet;
  /** Shared secret for HS256 tokens, at least 32 bytes (RFC 7518 section 3.2). */
  hs256Secret?: string;
  /** Default: RS256, ES256, EdDSA, and HS256 when `hs256Secret` is set. */
  algorithms?: readonly string[];
  /** Leeway for `exp` and `nbf` against clock skew; default 30. */
  clockToleranceSeconds?: number;
  /** The claim holding the principal id; default `sub`. */
  principalClaim?: string;
  /** The claim holding the principal's source URI, when it has one; default `herald_source`. */
  sourceClaim?: string;
  /** Default `service_account`. */
  authtype?: JwtAuthType;
  /** A claim that, when `true`, makes the principal an admin; unset: no JWT is admin. */
  adminClaim?: string;
  /** jose's fetch options for `jwksUrl` (timeout, cache age, cooldown). */
  remoteJwks?: RemoteJWKSetOptions;
}

const MIN_HS256_SECRET_BYTES = 32;

/** Why `url` cannot be a JWKS URL, or undefined when it can. */
export function jwksUrlProblem(url: string): string | undefined {
  return URL.canParse(url) && ['http:', 'https:'].includes(new URL(url).protocol) ? undefined : 'must be an http or https URL';
}

/** Why `secret` cannot be the HS256 secret, or undefined when it can. Never echoes the secret. */
export function hs256SecretProblem(secret: string): string | undefined {
  const bytes = Buffer.byteLength(secret);
  return bytes >= MIN_HS256_SECRET_BYTES ? undefined : `must be at least ${MIN_HS256_SECRET_BYTES} bytes, got ${bytes}`;
}

/** Every problem with a static JWKS; phrased to follow the name of where it came from. */
export function jwksProblems(value: unknown): string[] {
  const keys = typeof value === 'object' && value !== null ? (value as { keys?: unknown }).keys : undefined;
  if (!Array.isArray(keys)) return ['must be a JWKS: {"keys": [{"kty": …}, …]}'];
  return keys.flatMap((key: unknown, index) => {
    if (typeof key !== 'object' || key === null || typeof (key as { kty?: unknown }).kty !== 'string') return [`key ${index} must be a JWK object with "kty"`];
    // "d" is an asymmetric private key, "k" a symmetric secret: neither belongs in a set that
    // anyone may read, and jose would refuse them for verification anyway.
    const secretMember = ['d', 'k'].find((member) => Object.hasOwn(key, member));
    return secretMember === undefined ? [] : [`key ${index} holds secret key material ("${secretMember}"): give public keys only`];
  });
}

/** Parses and checks a JWKS document; throws an `invalid_configuration` AuthError listing every problem. */
export function parseJwks(json: string): JSONWebKeySet {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw new AuthError('invalid_configuration', 'invalid JWKS', { problems: [`is not JSON: ${(err as Error).message}`], cause: err });
  }
  const problems = jwksProblems(value);
  if (problems.length > 0) throw new AuthError('invalid_configuration', 'invalid JWKS', { problems });
  return value as JSONWebKeySet;
}

function optionProblems(options: JwtOptions, algorithms: readonly string[]): string[] {
  const problems: string[] = [];
  if (!options.issuer) problems.push('issuer is required');
  if (options.jwksUrl === undefined && options.jwks === undefined && options.hs256Secret === undefined) problems.push('no key: set jwksUrl, jwks or hs256Secret');
  const urlProblem = options.jwksUrl === undefined ? undefined : jwksUrlProblem(options.jwksUrl);
  if (urlProblem !== undefined) problems.push(`jwksUrl ${urlProblem}`);
  const secretProblem = options.hs256Secret === undefined ? undefined : hs256SecretProblem(options.hs256Secret);
  if (secretProblem !== undefined) problems.push(`hs256Secret ${secretProblem}`);
  if (options.jwks !== undefined) problems.push(...jwksProblems(options.jwks).map((p) => `jwks ${p}`));
  if (algorithms.includes('HS256') && options.hs256Secret === undefined) problems.push('algorithms include HS256 but no hs256Secret is set');
  if (algorithms.length === 0) problems.push('algorithms must name at least one algorithm');
  return problems;
}

export class JwtVerifier {
  readonly #issuer: string;
  readonly #audience: string | undefined;
  readonly #algorithms: string[];
  readonly #clockTolerance: number;
  readonly #principalClaim: string;
  readonly #sourceClaim: string;
  readonly #authtype: JwtAuthType;
  readonly #adminClaim: string | undefined;
  readonly #getKey: JWTVerifyGetKey;

  /** Throws an `invalid_configuration` AuthError listing every problem with the options. */
  constructor(options: JwtOptions) {
    const algorithms = [...(options.algorithms ?? [...DEFAULT_JWT_ALGORITHMS, ...(options.hs256Secret === undefined ? [] : ['HS256'])])];
    const problems = optionProblems(options, algorithms);
    if (problems.length > 0) throw new AuthError('invalid_configuration', 'invalid JWT options', { problems });
    this.#issuer = options.issuer;
    this.#audience = options.audience;
    this.#algorithms = algorithms;
    this.#clockTolerance = options.clockToleranceSeconds ?? 30;
    this.#principalClaim = options.principalClaim ?? 'sub';
    this.#sourceClaim = options.sourceClaim ?? 'herald_source';
    this.#authtype = options.authtype ?? 'service_account';
    this.#adminClaim = options.adminClaim;
    this.#getKey = keyResolver(options);
  }

  /** The principal of a JWT; throws an AuthError `invalid_token`, or `key_set_unavailable`. */
  async verify(token: string): Promise<Principal> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.#getKey, {
        issuer: this.#issuer,
        audience: this.#audience,
        algorithms: this.#algorithms,
        clockTolerance: this.#clockTolerance,
        // A bearer token without an expiry would be valid forever once leaked.
        requiredClaims: ['exp'],
      }));
    } catch (err) {
      if (err instanceof errors.JOSEError) throw new AuthError('invalid_token', this.#describeRejection(err), { cause: err });
      throw err;
    }
    return this.#principalOf(payload);
  }

  #principalOf(payload: JWTPayload): Principal {
    const id = payload[this.#principalClaim];
    if (id === undefined) throw new AuthError('invalid_token', `token has no "${this.#principalClaim}" claim naming the principal`);
    const idProblem = principalIdProblem(id);
    if (idProblem !== undefined) throw new AuthError('invalid_token', `token claim "${this.#principalClaim}" ${idProblem}`);
    const source = payload[this.#sourceClaim];
    const badSource = source === undefined ? undefined : sourceProblem(source);
    if (badSource !== undefined) throw new AuthError('invalid_token', `token claim "${this.#sourceClaim}" ${badSource}`);
    return {
      id: id as string,
      kind: 'jwt',
      authtype: this.#authtype,
      // Only a JSON `true` grants admin rights: "true", 1 or "yes" are mistakes, not intent.
      admin: this.#adminClaim !== undefined && payload[this.#adminClaim] === true,
      ...(source === undefined ? {} : { source: source as string }),
    };
  }

  #describeRejection(err: errors.JOSEError): string {
    if (err instanceof errors.JWTExpired) {
      const exp = err.payload.exp;
      return typeof exp === 'number' ? `token expired at ${new Date(exp * 1000).toISOString()}` : 'token has expired';
    }
    if (err instanceof errors.JWTClaimValidationFailed) {
      if (err.claim === 'nbf') return 'token is not valid yet (nbf is in the future)';
      if (err.claim === 'iss') return `token issuer is not ${JSON.stringify(this.#issuer)}`;
      if (err.claim === 'aud') return `token audience does not include ${JSON.stringify(this.#audience)}`;
      return err.reason === 'missing' ? `token has no "${err.claim}" claim` : `token claim "${err.claim}" is not valid`;
    }
    if (err instanceof errors.JWSSignatureVerificationFailed) return 'token signature does not verify';
    if (err instanceof errors.JWKSNoMatchingKey) return 'no key verifies this token: unknown kid, or no key for its algorithm';
    if (err instanceof errors.JWKSMultipleMatchingKeys) return 'several keys match this token: it must name one with "kid"';
    if (err instanceof errors.JOSEAlgNotAllowed) return `token algorithm is not one of ${this.#algorithms.join(', ')}`;
    return `malformed token: ${err.message}`;
  }
}

/** Picks the key for a token: the HS256 secret, else the static JWKS, else the JWKS URL. */
function keyResolver(options: JwtOptions): JWTVerifyGetKey {
  const secret = options.hs256Secret === undefined ? undefined : new TextEncoder().encode(options.hs256Secret);
  const staticKeys = options.jwks === undefined ? undefined : createLocalJWKSet(options.jwks);
  const remote = options.jwksUrl === undefined ? undefined : { url: options.jwksUrl, keys: createRemoteJWKSet(new URL(options.jwksUrl), options.remoteJwks) };
  return async (header, token) => {
    if (header.alg === 'HS256' && secret !== undefined) return secret;
    if (staticKeys !== undefined) {
      try {
        return await staticKeys(header, token);
      } catch (err) {
        if (!isKeyMatchFailure(err)) throw new AuthError('invalid_configuration', `a key of the static JWKS cannot be used: ${(err as Error).message}`, { cause: err });
        // A kid the static keys do not know may be one the JWKS URL serves.
        if (remote === undefined || !(err instanceof errors.JWKSNoMatchingKey)) throw err;
      }
    }
    if (remote === undefined) throw new errors.JWKSNoMatchingKey();
    try {
      return await remote.keys(header, token);
    } catch (err) {
      // Which key matches is the token's business; anything else (no answer, not JSON, a bad
      // key in the set) is the issuer's, and may pass.
      if (isKeyMatchFailure(err)) throw err;
      throw new AuthError('key_set_unavailable', `cannot use the JWKS at ${remote.url}: ${(err as Error).message}`, { cause: err });
    }
  };
}

function isKeyMatchFailure(err: unknown): boolean {
  return err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys;
}
