// One error vocabulary for Herald's HTTP APIs: a closed list of codes, one table from code to
// status, and RFC 9457 problem details (`application/problem+json`) on the wire.

export const problemCodes = {
  malformed_json: 400,
  invalid_request: 400,
  provenance_not_allowed: 400,
  invalid_pattern: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  already_exists: 409,
  incompatible_schema: 409,
  immutable_field: 409,
  group_active: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  invalid_event: 422,
  invalid_schema: 422,
  unknown_event_type: 422,
  invalid_target: 422,
  rate_limited: 429,
  internal: 500,
  not_ready: 503,
  kafka_unavailable: 503,
  registry_unavailable: 503,
  target_unavailable: 503,
} as const;

export type ProblemCode = keyof typeof problemCodes;

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface ProblemOptions {
  detail?: string;
  /** Extra members of the problem object, e.g. `errors` (a list of field problems) or `limit`. */
  extensions?: Record<string, unknown>;
  /** Response headers, e.g. Retry-After. */
  headers?: Record<string, string>;
  cause?: unknown;
}

/** An error that becomes a problem+json response with the status its code maps to. */
export class HttpProblem extends Error {
  override readonly name = 'HttpProblem';
  readonly status: number;
  readonly detail: string | undefined;
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;
  readonly retriable: boolean;

  constructor(
    readonly code: ProblemCode,
    title: string,
    options: ProblemOptions = {},
  ) {
    super(title, { cause: options.cause });
    this.status = problemCodes[code];
    this.detail = options.detail;
    this.extensions = options.extensions ?? {};
    this.headers = options.headers ?? {};
    this.retriable = this.status === 429 || this.status === 503;
  }

  toJSON(instance?: string): Record<string, unknown> {
    return {
      type: `https://herald.dev/problems/${this.code.replaceAll('_', '-')}`,
      title: this.message,
      status: this.status,
      code: this.code,
      ...(this.detail !== undefined ? { detail: this.detail } : {}),
      ...(instance !== undefined ? { instance } : {}),
      ...this.extensions,
    };
  }
}
