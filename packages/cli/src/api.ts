// One HTTP call to a Herald service (router, replay; the publisher goes through HeraldClient):
// Bearer key, JSON in and out, a problem+json answer turned into the SDK's HeraldApiError, a lost
// connection into its network_error. Not retried: a person or a script is waiting and decides.
import { HeraldApiError, HeraldClientError, problemError } from '@herald/client';

export interface ServiceApiOptions {
  url: string;
  key: string;
  fetch?: typeof globalThis.fetch;
  /** Per request, answer included; default 30 s. */
  timeoutMs?: number;
}

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function failureOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}

/** The SDK's reading of an error answer; codes it does not list (`group_active`, …) stay in `problem.code`. */
export { problemError };

export class ServiceApi {
  readonly baseUrl: string;
  readonly #key: string;
  readonly #fetch: typeof globalThis.fetch;
  readonly #timeoutMs: number;

  constructor(options: ServiceApiOptions) {
    this.baseUrl = options.url.replace(/\/+$/, '');
    this.#key = options.key;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** The parsed JSON answer (undefined for 204), or a HeraldApiError / HeraldClientError. */
  async request<T>(method: Method, path: string, body?: unknown): Promise<T> {
    const signal = AbortSignal.timeout(this.#timeoutMs);
    const response = await this.#send(method, path, body, signal);
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw this.#transportError(method, path, error, signal);
    }
    if (!response.ok) throw problemError(response.status, response.statusText, text);
    if (text === '') return undefined as T;
    const answer = parseJson(text);
    if (answer === undefined) throw new HeraldApiError({ status: response.status, code: 'unexpected_response', title: `the answer to ${method} ${this.baseUrl}${path} is not JSON` });
    return answer as T;
  }

  /** A streaming GET (server-sent events): the response once its headers are in, its body unread. */
  async stream(path: string, signal: AbortSignal): Promise<Response> {
    const response = await this.#send('GET', path, undefined, signal, 'text/event-stream');
    if (!response.ok) throw problemError(response.status, response.statusText, await response.text().catch(() => ''));
    return response;
  }

  async #send(method: Method, path: string, body: unknown, signal: AbortSignal, accept = 'application/json, application/problem+json'): Promise<Response> {
    const headers: Record<string, string> = { accept, authorization: `Bearer ${this.#key}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await this.#fetch(`${this.baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
    } catch (error) {
      throw this.#transportError(method, path, error, signal);
    }
  }

  #transportError(method: Method, path: string, error: unknown, signal: AbortSignal): unknown {
    // Ctrl-C aborts too: let the caller see the abort, not a network failure.
    if (error instanceof Error && error.name === 'AbortError' && !(signal.reason instanceof Error && signal.reason.name === 'TimeoutError')) return error;
    const target = `${method} ${this.baseUrl}${path}`;
    return signal.aborted
      ? new HeraldClientError('timeout', `no answer from ${target} within ${this.#timeoutMs} ms`, { cause: error })
      : new HeraldClientError('network_error', `${target} failed: ${failureOf(error)}`, { cause: error });
  }
}
