// The HTTP face of authentication: 401 problems with the WWW-Authenticate challenge of
// RFC 6750, and the principal handed to route handlers through res.locals.
import { HttpProblem } from '@herald/runtime';
import type { RequestHandler, Response } from 'express';
import type { Authenticator } from './authenticator.js';
import { AuthError } from './errors.js';
import type { Principal } from './principal.js';

const REALM = 'Bearer realm="herald"';

/**
 * Authenticates every request it guards and sets `res.locals.principal` (read it with
 * `principalOf(res)`); a failed credential becomes a 401 `unauthorized` problem.
 */
export function requirePrincipal(authenticator: Pick<Authenticator, 'authenticate'>): RequestHandler {
  // Express 5 passes a rejected promise on to the error handler, which answers problem+json.
  return async (req, res, next) => {
    try {
      res.locals.principal = await authenticator.authenticate({ authorization: req.get('authorization'), 'x-api-key': req.get('x-api-key') });
    } catch (err) {
      throw err instanceof AuthError ? problemOf(err) : err;
    }
    next();
  };
}

/** The principal `requirePrincipal` authenticated; throws when the route is not behind it. */
export function principalOf(res: Response): Principal {
  const principal = res.locals.principal as Principal | undefined;
  if (principal === undefined) throw new Error('no principal: the route is not behind requirePrincipal');
  return principal;
}

function problemOf(err: AuthError): HttpProblem {
  switch (err.code) {
    case 'missing_credentials':
      // RFC 6750 section 3.1: a request without credentials gets the challenge and no error code.
      return new HttpProblem('unauthorized', 'Authentication required', { detail: err.message, headers: { 'WWW-Authenticate': REALM }, cause: err });
    case 'invalid_credentials':
    case 'invalid_token':
      return new HttpProblem('unauthorized', 'Invalid credentials', {
        detail: err.message,
        headers: { 'WWW-Authenticate': `${REALM}, error="invalid_token"` },
        cause: err,
      });
    case 'key_set_unavailable':
      // The issuer's keys did not arrive: nothing is wrong with the token, so try again soon.
      return new HttpProblem('not_ready', 'Credentials cannot be verified now', {
        detail: 'the signing keys of the token issuer cannot be fetched; retry later',
        headers: { 'Retry-After': '5' },
        cause: err,
      });
    case 'invalid_configuration':
      return new HttpProblem('internal', 'Internal error', { cause: err });
  }
}
