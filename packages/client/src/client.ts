// The publishing side of the SDK: events typed per event type, sent to the publisher API with
// an id fixed before the first attempt, so that every retry is deduplicated by the publisher.
import { uuidv7 } from '@herald/envelope';
import { DEFAULT_RETRY, DEFAULT_TIMEOUT_MS } from './defaults.js';
import { HeraldClientError } from './errors.js';
import { EventTypes } from './event-types.js';
import { HttpTransport } from './http.js';
import type { RetryPolicy } from './retry.js';

export interface HeraldClientOptions {
  /** Base URL of the publisher, e.g. http://localhost:8080. */
  url: string;
  /** An API key `hk_<keyId>_<secret>`; or give `token`. */
  apiKey?: string;
  /** A JWT, or a function returning a fresh one (called before every attempt). */
  token?: string | (() => Promise<string>);
  /** Default: the global fetch. */
  fetch?: typeof globalThis.fetch;
  /** Per attempt; default 10 s. */
  timeoutMs?: number;
  /** Default: 3 attempts, backoff from 100 ms up to 5 s. */
  retry?: Partial<RetryPolicy>;
}

/** One event to publish. Herald stamps source, type, recordedtime and the auth attributes. */
export interface PublishEvent<D> {
  data: D;
  /** Default: a new UUIDv7. Give your own to make a publish you repeat later idempotent too. */
  id?: string;
  /** When it happened; default now. A Date is sent as its ISO string. */
  time?: string | Date;
  /** The entity the event is about, e.g. `rides/r-1`. */
  subject?: string;
  /** Default: the value at the event type's `partitionKey` path in `data`. */
  partitionKey?: string;
  /** Where to fetch the state: required by notification event types. */
  dataref?: string;
  /** W3C trace context. */
  traceparent?: string;
  sequence?: string;
}

export interface PublishResult {
  id: string;
  partition: number;
  /** Kafka offset, as a decimal string (int64). */
  offset: string;
  /** Already written within the dedupe window: partition and offset are the original's. */
  duplicate: boolean;
}

function credentialOf(options: HeraldClientOptions): () => Promise<string> {
  const { apiKey, token } = options;
  const misconfigured = () => new TypeError('HeraldClient: give exactly one of apiKey and token');
  if (apiKey !== undefined && token !== undefined) throw misconfigured();
  if (typeof token === 'function') return token;
  const credential = apiKey ?? token;
  if (credential === undefined) throw misconfigured();
  return () => Promise.resolve(credential);
}

function retryPolicyOf(options: HeraldClientOptions): RetryPolicy {
  const policy = { ...DEFAULT_RETRY, ...options.retry };
  if (!Number.isInteger(policy.attempts) || policy.attempts < 1) throw new RangeError(`HeraldClient: retry.attempts must be an integer ≥ 1, got ${policy.attempts}`);
  if (!(policy.initialDelayMs >= 0 && policy.maxDelayMs >= 0)) throw new RangeError('HeraldClient: retry delays must be ≥ 0');
  return policy;
}

/** The id goes in before the first attempt: every retry of the request then carries the same one. */
function withId<D>(event: PublishEvent<D>): PublishEvent<D> & { id: string } {
  return { ...event, id: event.id ?? uuidv7() };
}

/**
 * @typeParam Types - event type name → data type, e.g.
 *   `{ 'com.acme.rides.ride.requested': Ride }`; publish then takes only those names, each
 *   with its own data type.
 */
export class HeraldClient<Types extends object = Record<string, unknown>> {
  readonly eventTypes: EventTypes;
  readonly #http: HttpTransport;

  constructor(options: HeraldClientOptions) {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!(timeoutMs > 0)) throw new RangeError(`HeraldClient: timeoutMs must be > 0, got ${timeoutMs}`);
    this.#http = new HttpTransport({
      url: options.url,
      credential: credentialOf(options),
      fetch: options.fetch ?? globalThis.fetch,
      timeoutMs,
      retry: retryPolicyOf(options),
    });
    this.eventTypes = new EventTypes(this.#http);
  }

  /** Publishes one event; resolves once Kafka has acknowledged it. */
  async publish<K extends keyof Types & string>(type: K, event: PublishEvent<Types[K]>): Promise<PublishResult> {
    const [result] = await this.#send(type, withId(event), 1);
    return result!;
  }

  /** Publishes the events all or nothing, in one request; results in the same order. */
  async publishBatch<K extends keyof Types & string>(type: K, events: readonly PublishEvent<Types[K]>[]): Promise<PublishResult[]> {
    if (events.length === 0) return [];
    return this.#send(type, events.map(withId), events.length);
  }

  async #send(type: string, body: unknown, count: number): Promise<PublishResult[]> {
    // Idempotent thanks to the ids: the publisher dedupes on (source, id).
    const answer = await this.#http.request<{ events?: unknown }>({ method: 'POST', path: `/v1/events/${encodeURIComponent(type)}`, body, idempotent: true });
    if (!Array.isArray(answer?.events) || answer.events.length !== count) {
      // Results are matched to events by position: a short or missing list cannot be.
      const got = Array.isArray(answer?.events) ? `${answer.events.length} results` : 'no events list';
      throw new HeraldClientError('unexpected_response', `the publisher answered ${count} event(s) with ${got}`);
    }
    return answer.events as PublishResult[];
  }
}
