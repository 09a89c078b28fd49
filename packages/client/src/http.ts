// One request to the publisher API, retried by policy: Bearer credential, JSON in and out,
// problem+json errors turned into HeraldApiError, a lost answer into a transport error.
import { API_ERROR_CODES, HeraldApiError, HeraldClientError, type ApiErrorCode, type FieldError } from './errors.js';
import { retry, type RetryPolicy } from './retry.js';

export interface HttpTransportOptions {
  /** Base URL of the publisher, e.g. http://localhost:8080. */
  url: string;
  /** The Bearer credential, asked for on every attempt so a refreshed token is picked up. */
  credential: () => Promise<string>;
  fetch: typeof globalThis.fetch;
  timeoutMs: number;
  retry: RetryPolicy;
}

export interface ApiRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path below the base URL, e.g. /v1/event-types. */
  path: string;
  body?: unknown;
  /**
   * Whether sending the request twice does what sending it once does. Only then is a request
   * whose answer was lost (network error, timeout) sent again: it may have been carried out.
   */
  idempotent: boolean;
}

function isApiErrorCode(code: unknown): code is ApiErrorCode {
  return (API_ERROR_CODES as readonly unknown[]).includes(code);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Retry-After in delta-seconds (what Herald sends) or as an HTTP date. */
export function parseRetryAfter(header: string | null, now: number = Date.now()): number | undefined {
  if (header === null) return undefined;
  if (/^\s*\d+\s*$/.test(header)) return Number(header) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

// undici says only "fetch failed"; what failed (ECONNREFUSED, ENOTFOUND, …) is its cause.
function failureOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}

/**
 * The error of an answer that is not 2xx: its problem+json fields, when the body is one. A code
 * the SDK does not list becomes `unexpected_response`; the body's own code stays in `problem`.
 */
export function problemError(status: number, statusText: string, text: string, retryAfter: string | null = null): HeraldApiError {
  const problem = parseJson(text);
  const body = isObject(problem) ? problem : undefined;
  return new HeraldApiError({
    status,
    code: isApiErrorCode(body?.code) ? body.code : 'unexpected_response',
    title: typeof body?.title === 'string' ? body.title : statusText || `HTTP ${status}`,
    detail: typeof body?.detail === 'string' ? body.detail : undefined,
    errors: Array.isArray(body?.errors) ? body.errors.filter((error): error is FieldError => isObject(error) && typeof error.message === 'string') : [],
    problem: body,
    retryAfterMs: parseRetryAfter(retryAfter),
  });
}

export class HttpTransport {
  readonly #baseUrl: string;
  readonly #options: HttpTransportOptions;

  constructor(options: HttpTransportOptions) {
    // Joined as text, not with new URL(path, base), which would drop a base path such as /herald.
    this.#baseUrl = new URL(options.url).href.replace(/\/+$/, '');
    this.#options = options;
  }

  /** The parsed JSON answer (undefined for 204), or a HeraldClientError. */
  request<T>(request: ApiRequest): Promise<T> {
    return retry(() => this.#attempt<T>(request), this.#options.retry);
  }

  async #attempt<T>(request: ApiRequest): Promise<T> {
    const url = `${this.#baseUrl}${request.path}`;
    const headers: Record<string, string> = {
      accept: 'application/json, application/problem+json',
      authorization: `Bearer ${await this.#options.credential()}`,
    };
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);
    // Per attempt, and covering the body as well as the headers.
    const signal = AbortSignal.timeout(this.#options.timeoutMs);

    const { fetch } = this.#options;
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, { method: request.method, headers, body, signal });
      text = await response.text();
    } catch (error) {
      const target = `${request.method} ${url}`;
      throw signal.aborted
        ? new HeraldClientError('timeout', `no answer from ${target} within ${this.#options.timeoutMs} ms`, { retriable: request.idempotent, cause: error })
        : new HeraldClientError('network_error', `${target} failed: ${failureOf(error)}`, { retriable: request.idempotent, cause: error });
    }

    if (!response.ok) throw problemError(response.status, response.statusText, text, response.headers.get('retry-after'));
    if (text === '') return undefined as T;
    const answer = parseJson(text);
    if (answer === undefined) {
      throw new HeraldApiError({ status: response.status, code: 'unexpected_response', title: `the answer to ${request.method} ${url} is not JSON` });
    }
    return answer as T;
  }
}
