// Starts a publisher in-process against a real broker and a real schema registry, with API
// keys for a few principals, and gives tests a small HTTP client for its API.
import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import { generateAdminKey, generateApiKey } from '@herald/auth';
import type { Kafka } from 'kafkajs';
import { Keyring, fromKafkaMessage } from '@herald/envelope';
import { createLogger } from '@herald/runtime';
import { loadPublisherConfig, startPublisher, type RunningPublisher } from '@herald/publisher';
import { type ConsumedMessage, cleanup, consumeUntil, deleteTopicAfter, kafkaBrokers, uniqueName } from './kafka.js';

/** The principals every test publisher knows, with their sources. */
export const principals = {
  writer: { id: 'rides-service', source: 'https://rides.acme.example/dispatch' },
  otherWriter: { id: 'rides-backfill' },
  reader: { id: 'billing' },
  outsider: { id: 'outsider' },
} as const;

export type PrincipalName = keyof typeof principals | 'admin';

/** API keys, the admin key and signing keys, shared by the services a test starts. */
export interface TestSecrets {
  tokens: Record<PrincipalName, string>;
  /** The environment that makes a service know them. */
  env: Record<string, string>;
  keyring: Keyring;
}

export function createTestSecrets(): TestSecrets {
  const keys = Object.fromEntries(Object.entries(principals).map(([name, p]) => [name, generateApiKey(p.id, 'source' in p ? { source: p.source } : {})]));
  const adminKey = generateAdminKey();
  const signingKeys = { k1: randomBytes(32).toString('base64') };
  return {
    tokens: { ...Object.fromEntries(Object.entries(keys).map(([name, k]) => [name, k.token])), admin: adminKey } as Record<PrincipalName, string>,
    env: {
      HERALD_SIGNING_KEYS: JSON.stringify(signingKeys),
      HERALD_API_KEYS: JSON.stringify(Object.values(keys).map((k) => k.entry)),
      HERALD_ADMIN_KEY: adminKey,
    },
    keyring: new Keyring({ currentKeyId: 'k1', keys: signingKeys }),
  };
}

export type ApiCall = <T = unknown>(
  as: PrincipalName | null,
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
) => Promise<{ status: number; headers: Headers; body: T }>;

/** A small HTTP client for a service's API, calling as one of the test principals. */
export function apiClient(url: string, tokens: Record<PrincipalName, string>): ApiCall {
  return async (as, method, path, body, headers = {}) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        ...(as ? { authorization: `Bearer ${tokens[as]}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as never };
  };
}

export interface TestPublisher {
  url: string;
  running: RunningPublisher;
  keyring: Keyring;
  tokens: Record<PrincipalName, string>;
  secrets: TestSecrets;
  eventTypesTopic: string;
  call: ApiCall;
}

export interface StartTestPublisherOptions {
  registryUrl: string;
  /** Default: the integration broker. */
  brokers?: string[];
  /** Extra HERALD_* settings. */
  env?: Record<string, string>;
  /** Default: new ones. */
  secrets?: TestSecrets;
}

export async function startTestPublisher(t: TestContext, options: StartTestPublisherOptions): Promise<TestPublisher> {
  const secrets = options.secrets ?? createTestSecrets();
  const eventTypesTopic = uniqueName('_herald.event-types');
  const config = loadPublisherConfig({
    HERALD_KAFKA_BROKERS: (options.brokers ?? (await kafkaBrokers())).join(','),
    HERALD_REGISTRY_URL: options.registryUrl,
    HERALD_EVENT_TYPES_TOPIC: eventTypesTopic,
    HERALD_PUBLISHER_PORT: '0',
    HERALD_PUBLISHER_HOST: '127.0.0.1',
    HERALD_PUBLISHER_TOPIC_REPLICATION_FACTOR: '1',
    ...secrets.env,
    HERALD_LOG_LEVEL: process.env.HERALD_TEST_LOG ? 'debug' : 'silent',
    ...options.env,
  });
  const running = await startPublisher({ config, logger: createLogger({ service: 'publisher', level: config.logLevel }) });
  cleanup(t, () => running.close());
  if (!options.brokers) deleteTopicAfter(t, eventTypesTopic);
  return {
    url: running.url,
    running,
    keyring: secrets.keyring,
    tokens: secrets.tokens,
    secrets,
    eventTypesTopic,
    call: apiClient(running.url, secrets.tokens),
  };
}

export const rideSchema = {
  type: 'record',
  name: 'Ride',
  namespace: 'com.acme.rides',
  fields: [
    { name: 'rideId', type: 'string' },
    { name: 'riderId', type: 'string' },
    { name: 'seq', type: 'long', default: 0 },
    { name: 'status', type: { type: 'enum', name: 'RideStatus', symbols: ['REQUESTED', 'ACCEPTED', 'COMPLETED'] }, default: 'REQUESTED' },
    { name: 'note', type: ['null', 'string'], default: null },
  ],
};

/** A unique event type name (lowercase dotted segments, as the catalog requires). */
export function uniqueTypeName(): string {
  return `test.t${randomBytes(4).toString('hex')}.ride.requested`;
}

/** Declares an event type owned by the writer principal; returns its name and topic. */
export async function declareRideType(
  t: TestContext,
  publisher: TestPublisher,
  overrides: Record<string, unknown> = {},
): Promise<{ name: string; topic: string; body: Record<string, unknown> }> {
  const name = uniqueTypeName();
  const body = {
    name,
    description: 'A ride was requested (test type).',
    source: 'https://rides.acme.example/types',
    mode: 'state',
    schema: rideSchema,
    partitionKey: 'rideId',
    topic: { partitions: 6 },
    writers: [principals.writer.id, principals.otherWriter.id],
    readers: [principals.reader.id],
    ...overrides,
  };
  const res = await publisher.call<{ topicName: string; message?: string }>('writer', 'POST', '/v1/event-types', body);
  if (res.status !== 201) throw new Error(`declaring ${name} failed: ${res.status} ${JSON.stringify(res.body)}`);
  deleteTopicAfter(t, res.body.topicName);
  return { name, topic: res.body.topicName, body };
}

/**
 * Reads a topic from the beginning until every one of `ids` (event ids) has been seen, and
 * returns what was read: the check of failure tests that nothing acknowledged was lost.
 */
export async function readUntilAll(t: TestContext, kafka: Kafka, topic: string, ids: Iterable<string>, timeoutMs: number): Promise<ConsumedMessage[]> {
  const missing = new Set(ids);
  return consumeUntil(
    t,
    kafka,
    topic,
    (received) => {
      missing.delete(fromKafkaMessage(received.at(-1)!).event.id);
      return missing.size === 0;
    },
    { timeoutMs },
  );
}
