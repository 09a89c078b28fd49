// The auth error vocabulary. A credential that fails is a property of the request: sending it
// again cannot succeed. Only a key set that cannot be fetched is worth retrying.

export const AUTH_ERROR_CODES = [
  /** Neither `Authorization` nor `X-API-Key` was sent. */
  'missing_credentials',
  /** A credential was sent but is malformed, unknown, wrong or disabled. */
  'invalid_credentials',
  /** A JWT that does not verify: expired, not yet valid, wrong issuer or audience, bad signature… */
  'invalid_token',
  /** The JWKS URL did not answer, so no JWT can be verified now. */
  'key_set_unavailable',
  /** API key entries, the admin key or JWT options are not valid (a start-time problem). */
  'invalid_configuration',
] as const;

export type AuthErrorCode = (typeof AUTH_ERROR_CODES)[number];

const RETRIABLE: ReadonlySet<AuthErrorCode> = new Set(['key_set_unavailable']);

export interface AuthErrorOptions {
  /** Every precise thing wrong, for `invalid_configuration`. */
  problems?: readonly string[];
  cause?: unknown;
}

export class AuthError extends Error {
  override readonly name = 'AuthError';
  readonly retriable: boolean;
  readonly problems: readonly string[];

  constructor(
    readonly code: AuthErrorCode,
    summary: string,
    options: AuthErrorOptions = {},
  ) {
    const problems = options.problems ?? [];
    // The message lists every problem so a log line alone says what to fix.
    super(problems.length === 0 ? summary : `${summary}: ${problems.join('; ')}`, { cause: options.cause });
    this.retriable = RETRIABLE.has(code);
    this.problems = problems;
  }
}
