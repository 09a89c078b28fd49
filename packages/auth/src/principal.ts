// Who is calling. Every credential, whatever its kind, comes down to a Principal; grants and
// rate limits name principals by `id`, and the publisher stamps `authtype`/`id` into events.
import type { AuthType } from '@herald/envelope';

export type PrincipalKind = 'api_key' | 'jwt' | 'admin';

export interface Principal {
  /** The API key id, the JWT's principal claim, or `admin`. Grants name this. */
  id: string;
  kind: PrincipalKind;
  /** The CloudEvents authcontext `authtype` of events this principal publishes. */
  authtype: AuthType;
  /** Absolute URI: the `ce_source` of events this principal publishes, when it has one of its own. */
  source?: string;
  admin: boolean;
}

/** The admin key's principal id; no API key or JWT may claim it (see README). */
export const ADMIN_PRINCIPAL_ID = 'admin';

/** The envelope caps `source` at 2048 bytes; a longer one could never be published. */
const MAX_SOURCE_BYTES = 2048;

/** Why `value` cannot be a principal's source, or undefined when it can. */
export function sourceProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be a string holding an absolute URI';
  // WHATWG URL parsing silently drops what RFC 3986 forbids (surrounding spaces, tabs and
  // newlines anywhere), so the scheme and the absence of whitespace are checked first.
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\S*$/.test(value) || !URL.canParse(value)) return 'must be an absolute URI such as "https://rides.acme.example/dispatch"';
  if (Buffer.byteLength(value) > MAX_SOURCE_BYTES) return `must be at most ${MAX_SOURCE_BYTES} bytes`;
  return undefined;
}

/** The envelope caps `authid`, which carries the principal id, at 1024 bytes. */
const MAX_PRINCIPAL_ID_BYTES = 1024;

/** Why `value` cannot be a principal id, or undefined when it can. */
export function principalIdProblem(value: unknown): string | undefined {
  // Control characters and lone surrogates are not allowed in a CloudEvents string.
  if (typeof value !== 'string' || !/^[^\p{Cc}\p{Cs}]+$/u.test(value)) return 'must be a non-empty string without control characters';
  if (Buffer.byteLength(value) > MAX_PRINCIPAL_ID_BYTES) return `must be at most ${MAX_PRINCIPAL_ID_BYTES} bytes`;
  if (value === ADMIN_PRINCIPAL_ID) return `must not be "${ADMIN_PRINCIPAL_ID}", the admin key's principal`;
  return undefined;
}
