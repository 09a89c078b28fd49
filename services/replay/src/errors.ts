// Errors of the PostgreSQL target as HTTP problems a client can act on.
import { HttpProblem } from '@herald/runtime';

/** PostgreSQL could not be reached, or refused the connection: a 503 the client may retry. */
export function targetUnavailable(err: unknown): HttpProblem {
  const message = err instanceof Error ? err.message : String(err);
  return new HttpProblem('target_unavailable', 'The PostgreSQL target is unavailable', { detail: `nothing was changed: ${message}`, headers: { 'Retry-After': '5' }, cause: err });
}
