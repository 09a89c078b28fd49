// The SDK's error vocabulary. Every failure is a HeraldClientError with a code from one closed
// list and a `retriable` flag: the retry loop reads it, and so can a caller's outbox or
// consumer loop deciding between "try again later" and "give up on this one".
import type { EnvelopeProblem, VerificationFailure } from '@herald/envelope';

/** The `code`s the publisher API answers in its problem+json bodies (docs/publisher-api.md). */
export const API_ERROR_CODES = [
  'malformed_json',
  'invalid_request',
  'provenance_not_allowed',
  'unauthorized',
  'forbidden',
  'not_found',
  'already_exists',
  'incompatible_schema',
  'immutable_field',
  'payload_too_large',
  'unsupported_media_type',
  'invalid_event',
  'invalid_schema',
  'rate_limited',
  'kafka_unavailable',
  // Not the publisher's: an answer that is no Herald problem (a proxy's HTML page, a code
  // this SDK does not know, a success body of the wrong shape).
  'unexpected_response',
] as const;

/** Why the request got no answer, or why the SDK stopped asking. */
export const TRANSPORT_ERROR_CODES = ['network_error', 'timeout', 'retries_exhausted'] as const;

/** Why a consumed record is not a usable Herald event, in the order `EventDecoder` checks. */
export const DECODE_ERROR_CODES = ['bad_signature', 'invalid_event', 'undecodable_data'] as const;

export type ApiErrorCode = (typeof API_ERROR_CODES)[number];
export type TransportErrorCode = (typeof TRANSPORT_ERROR_CODES)[number];
export type DecodeErrorCode = (typeof DECODE_ERROR_CODES)[number];
export type ClientErrorCode = ApiErrorCode | TransportErrorCode | DecodeErrorCode;

export interface ClientErrorOptions {
  retriable?: boolean;
  cause?: unknown;
}

export class HeraldClientError extends Error {
  override name = 'HeraldClientError';
  /** Whether the same call may succeed if made again. */
  readonly retriable: boolean;

  constructor(
    readonly code: ClientErrorCode,
    message: string,
    options: ClientErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.retriable = options.retriable ?? false;
  }
}

/** One entry of a problem's `errors`: which field (and which event of a batch), and what is wrong. */
export interface FieldError {
  /** JSON pointer into the request body, or into the event for `invalid_event`. */
  path?: string;
  /** The event's position in the batch (`invalid_event`). */
  index?: number;
  message: string;
}

export interface ApiErrorDetails {
  status: number;
  code: ApiErrorCode;
  title: string;
  detail?: string;
  errors?: readonly FieldError[];
  /** The whole problem+json body, for extensions such as `limit` and `limitName` (413). */
  problem?: Readonly<Record<string, unknown>>;
  /** From the `Retry-After` header. */
  retryAfterMs?: number;
}

/** The publisher answered with an error status. */
export class HeraldApiError extends HeraldClientError {
  override name = 'HeraldApiError';
  declare readonly code: ApiErrorCode;
  readonly status: number;
  readonly title: string;
  readonly detail: string | undefined;
  readonly errors: readonly FieldError[];
  readonly problem: Readonly<Record<string, unknown>> | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(details: ApiErrorDetails) {
    const errors = details.errors ?? [];
    // The message carries the detail and every field error, so a log line alone says what to fix.
    const parts = [details.detail, ...errors.map(describeFieldError)].filter((part) => part !== undefined);
    super(details.code, `${details.status} ${details.code}: ${details.title}${parts.length > 0 ? ` (${parts.join('; ')})` : ''}`, {
      // 429 and 503 mean the publisher wrote nothing and asks to be asked again later.
      retriable: details.status === 429 || details.status === 503,
    });
    this.status = details.status;
    this.title = details.title;
    this.detail = details.detail;
    this.errors = errors;
    this.problem = details.problem;
    this.retryAfterMs = details.retryAfterMs;
  }
}

function describeFieldError(error: FieldError): string {
  const where = [error.index === undefined ? undefined : `event ${error.index}`, error.path].filter((part) => part !== undefined).join(' ');
  return where === '' ? error.message : `${where}: ${error.message}`;
}

export interface DecodeErrorOptions extends ClientErrorOptions {
  /** `bad_signature`: what `verifyMessage` found. */
  reason?: VerificationFailure;
  /** `invalid_event`: every problem `fromKafkaMessage` found. */
  problems?: readonly EnvelopeProblem[];
}

/** A consumed record is not a usable Herald event; the consumer dead-letters or skips it. */
export class DecodeError extends HeraldClientError {
  override name = 'DecodeError';
  declare readonly code: DecodeErrorCode;
  readonly reason: VerificationFailure | undefined;
  readonly problems: readonly EnvelopeProblem[];

  constructor(code: DecodeErrorCode, message: string, options: DecodeErrorOptions = {}) {
    super(code, message, options);
    this.reason = options.reason;
    this.problems = options.problems ?? [];
  }
}
