// Replaying into an HTTP endpoint: each batch is one POST in the CloudEvents JSON batch format,
// retried with backoff while the target is unavailable and given up at once when it refuses the
// batch. A retried batch carries the same Idempotency-Key, so a receiver that saw it can dedupe.
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { backoffMs, type RetryPolicy } from '@herald/catalog';
import type { HeraldAttributes } from '@herald/envelope';
import type { ReplayItem, Sink, SinkWriteResult } from './sink.js';

export const HTTP_SINK_DEFAULTS = {
  /** Items per POST; the runner cuts the batches. */
  batchSize: 500,
  /** Per attempt, the response body included. */
  timeoutMs: 10_000,
  retry: { maxAttempts: 8, initialBackoffMs: 200, maxBackoffMs: 10_000, multiplier: 2, jitter: 0.2 } satisfies RetryPolicy,
} as const;

/** A Retry-After of hours would stall the job without a word; past this the attempt is made anyway. */
const MAX_RETRY_AFTER_MS = 60_000;
/** How much of a refusing response's body the error quotes. */
const MAX_QUOTED_BODY = 500;

export const BATCH_CONTENT_TYPE = 'application/cloudevents-batch+json';

export const httpTargetErrorCodes = ['http_target_rejected', 'http_target_unavailable'] as const;
export type HttpTargetErrorCode = (typeof httpTargetErrorCodes)[number];

/**
 * The target refused a batch (`http_target_rejected`: a 4xx other than 408/425/429, or a
 * redirect; retrying the same batch cannot help) or did not take it within the attempts
 * (`http_target_unavailable`: a later run may succeed).
 */
export class HttpTargetError extends Error {
  override readonly name = 'HttpTargetError';
  readonly retriable: boolean;
  /** The last response's status; undefined when the last attempt got none. */
  readonly status: number | undefined;
  readonly attempts: number;

  constructor(
    readonly code: HttpTargetErrorCode,
    message: string,
    options: { status?: number; attempts: number; cause?: unknown },
  ) {
    super(message, { cause: options.cause });
    this.status = options.status;
    this.attempts = options.attempts;
    this.retriable = code === 'http_target_unavailable';
  }
}

export interface HttpSinkOptions {
  url: string;
  /** Sent with every request, e.g. an Authorization header for the target. */
  headers?: Record<string, string>;
  batchSize?: number;
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  fetch?: typeof fetch;
}

type HeraldExtension = Exclude<keyof HeraldAttributes, 'specversion' | 'id' | 'source' | 'type' | 'time' | 'subject' | 'datacontenttype' | 'dataschema'>;
const EXTENSIONS = ['recordedtime', 'partitionkey', 'authtype', 'authid', 'dataref', 'traceparent', 'sequence'] as const satisfies readonly HeraldExtension[];

/**
 * An event in CloudEvents structured JSON form: its attributes, Herald's extensions that are
 * present, and the decoded data as JSON (so `datacontenttype` is `application/json`, whatever
 * the record carried).
 */
export function cloudEventJson(item: { attributes: HeraldAttributes; data?: unknown }): Record<string, unknown> {
  const a = item.attributes;
  const event: Record<string, unknown> = { specversion: a.specversion, id: a.id, source: a.source, type: a.type, time: a.time };
  if (a.subject !== undefined) event.subject = a.subject;
  event.datacontenttype = 'application/json';
  if (a.dataschema !== undefined) event.dataschema = a.dataschema;
  for (const name of EXTENSIONS) {
    if (a[name] !== undefined) event[name] = a[name];
  }
  event.data = item.data;
  return event;
}

/** How one POST went; `retriable`: the target may take the same batch later. */
type Attempt = { ok: true } | { ok: false; retriable: boolean; reason: string; status?: number; retryAfterMs?: number; cause?: unknown };

/** Whether a status says "not now" rather than "not this". */
const isRetriableStatus = (status: number) => status === 408 || status === 425 || status === 429 || status >= 500;

/** Retry-After in delta-seconds, or as an HTTP date. */
function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (header === null) return undefined;
  if (/^\s*\d+\s*$/.test(header)) return Number(header) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

// undici says only "fetch failed"; what failed (ECONNREFUSED, ECONNRESET, …) is its cause.
function failureOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}

/** Waits, or rejects with the signal's reason as soon as it aborts. */
async function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(ms, undefined, signal ? { signal } : undefined);
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    throw err;
  }
}

/** Same items, same key: derived from where the first and last events were read. */
function idempotencyKey(first: ReplayItem, last: ReplayItem): string {
  const position = (item: ReplayItem) => `${item.topic}:${item.partition}:${item.offset}`;
  return createHash('sha256').update(`${position(first)}..${position(last)}`).digest('hex');
}

export class HttpSink implements Sink {
  readonly needsData = true;
  readonly batchSize: number;
  readonly #url: string;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;
  readonly #retry: RetryPolicy;
  readonly #fetch: typeof fetch;

  constructor(options: HttpSinkOptions) {
    const url = URL.canParse(options.url) ? new URL(options.url) : undefined;
    if (url?.protocol !== 'http:' && url?.protocol !== 'https:') throw new TypeError(`the HTTP sink's url must be an absolute http(s) URL, got ${JSON.stringify(options.url)}`);
    this.#url = url.href;
    this.#headers = { ...options.headers };
    this.batchSize = options.batchSize ?? HTTP_SINK_DEFAULTS.batchSize;
    this.#timeoutMs = options.timeoutMs ?? HTTP_SINK_DEFAULTS.timeoutMs;
    this.#retry = { ...HTTP_SINK_DEFAULTS.retry, ...options.retry };
    if (!Number.isInteger(this.#retry.maxAttempts) || this.#retry.maxAttempts < 1) throw new RangeError(`retry.maxAttempts must be an integer >= 1, got ${this.#retry.maxAttempts}`);
    this.#fetch = options.fetch ?? globalThis.fetch;
  }

  /** One POST of the batch's events (tombstones have none and are skipped); resolves once the target answered 2xx. */
  async write(items: ReplayItem[], signal?: AbortSignal): Promise<SinkWriteResult> {
    signal?.throwIfAborted();
    const events = items.filter((item): item is ReplayItem & { attributes: HeraldAttributes } => item.attributes !== undefined);
    const skipped = items.length - events.length;
    const first = events[0];
    const last = events.at(-1);
    if (first === undefined || last === undefined) return { written: 0, skipped };

    const body = JSON.stringify(events.map(cloudEventJson));
    const headers = { ...this.#headers, 'content-type': BATCH_CONTENT_TYPE, 'idempotency-key': idempotencyKey(first, last) };
    for (let attempt = 1; ; attempt++) {
      signal?.throwIfAborted();
      const outcome = await this.#attempt(body, headers, signal);
      if (outcome.ok) return { written: events.length, skipped };
      if (!outcome.retriable) {
        throw new HttpTargetError('http_target_rejected', `POST ${this.#url} was refused: ${outcome.reason}`, { status: outcome.status, attempts: attempt });
      }
      if (attempt >= this.#retry.maxAttempts) {
        throw new HttpTargetError('http_target_unavailable', `POST ${this.#url} failed ${attempt} times; the last: ${outcome.reason}`, {
          status: outcome.status,
          attempts: attempt,
          cause: outcome.cause,
        });
      }
      const wait = outcome.retryAfterMs === undefined ? backoffMs(this.#retry, attempt) : Math.min(outcome.retryAfterMs, MAX_RETRY_AFTER_MS);
      await pause(wait, signal);
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** How the POST went; rejects only when the caller's signal aborts. */
  async #attempt(body: string, headers: Record<string, string>, signal: AbortSignal | undefined): Promise<Attempt> {
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    let response: Response;
    let text: string;
    try {
      // A redirect is the target's configuration being wrong: say so rather than re-send the batch elsewhere.
      response = await this.#fetch(this.#url, { method: 'POST', headers, body, redirect: 'manual', signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
      text = await response.text();
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      if (timeout.aborted) return { ok: false, retriable: true, reason: `no answer within ${this.#timeoutMs} ms`, cause: err };
      return { ok: false, retriable: true, reason: failureOf(err), cause: err };
    }
    if (response.ok) return { ok: true };
    const { status } = response;
    const reason = `HTTP ${status}${text === '' ? '' : `: ${text.slice(0, MAX_QUOTED_BODY)}`}`;
    if (!isRetriableStatus(status)) return { ok: false, retriable: false, reason, status };
    return { ok: false, retriable: true, reason, status, retryAfterMs: parseRetryAfter(response.headers.get('retry-after')) };
  }
}
