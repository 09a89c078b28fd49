// Starts schema-registry instances in-process against the test broker, each on a free port.
import type { TestContext } from 'node:test';
import { kafkaReadinessCheck } from '@herald/kafka';
import { createLogger, createMetrics, listen } from '@herald/runtime';
import { RegistryStore, createApp, createRegistryMetrics, type CompatibilityLevel } from '@herald/schema-registry';
import { cleanup, deleteTopicAfter, testKafka, uniqueName } from './kafka.js';

export interface TestRegistry {
  url: string;
  store: RegistryStore;
  topic: string;
  /** Stops this instance (HTTP and Kafka clients); the topic stays. */
  stop(): Promise<void>;
}

export interface StartRegistryOptions {
  /** Share a topic between instances or across a restart; default: a new unique topic. */
  topic?: string;
  defaultCompatibility?: CompatibilityLevel;
}

export async function startRegistry(t: TestContext, options: StartRegistryOptions = {}): Promise<TestRegistry> {
  const topic = options.topic ?? uniqueName('_schemas');
  const kafka = await testKafka('herald-test-registry');
  const logger = createLogger({ service: 'schema-registry', level: process.env.HERALD_TEST_LOG ? 'debug' : 'silent' });
  const metrics = createMetrics({ service: 'schema-registry', defaultMetrics: false });
  const registryMetrics = createRegistryMetrics(metrics.registry, () => store.state);
  const store = new RegistryStore({
    kafka,
    logger,
    metrics: registryMetrics,
    topic,
    replicationFactor: 1,
    transactionalId: `herald-schema-registry-writer-${topic}`,
    defaultCompatibility: options.defaultCompatibility ?? 'BACKWARD',
  });
  await store.start();
  const kafkaReadiness = kafkaReadinessCheck(kafka);
  const service = createApp({ store, logger, metrics, registryMetrics, kafkaReadiness });
  const server = await listen(service.app, { port: 0, host: '127.0.0.1' });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await server.close(1000);
    await store.stop();
    await kafkaReadiness.close();
  };
  cleanup(t, stop);
  if (!options.topic) deleteTopicAfter(t, topic);
  return { url: server.url, store, topic, stop };
}

export interface RegistryResponse<T = unknown> {
  status: number;
  contentType: string | null;
  body: T;
}

/** One call to the registry over plain HTTP, as Confluent's clients make it. */
export async function call<T = unknown>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  options: { raw?: string; contentType?: string } = {},
): Promise<RegistryResponse<T>> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': options.contentType ?? 'application/vnd.schemaregistry.v1+json', accept: 'application/vnd.schemaregistry.v1+json' },
    ...(options.raw !== undefined ? { body: options.raw } : body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, contentType: res.headers.get('content-type'), body: (text ? JSON.parse(text) : undefined) as T };
}
