// Builds the running publisher from its configuration: Kafka clients, the catalog, the writer,
// the HTTP server. main.ts calls it with the environment's config; tests call it directly.
import { hostname } from 'node:os';
import { RateLimiter, createAuthenticator, type Authenticator } from '@herald/auth';
import { EventTypeCatalog } from '@herald/catalog';
import { keyringFromSettings, type Keyring } from '@herald/envelope';
import { createKafka, kafkaReadinessCheck } from '@herald/kafka';
import { createMetrics, listen, type Logger } from '@herald/runtime';
import { RegistryClient } from '@herald/schemas';
import { createApp } from './app.js';
import type { PublisherConfig } from './config.js';
import { DedupeWindow } from './dedupe.js';
import { SchemaCache } from './encoding.js';
import { EventTypeAdmin } from './event-types.js';
import { EventWriter } from './event-writer.js';
import { createPublisherMetrics } from './metrics.js';
import { Publisher } from './publish.js';

export interface RunningPublisher {
  url: string;
  port: number;
  catalog: EventTypeCatalog;
  close(): Promise<void>;
}

export interface StartPublisherOptions {
  config: PublisherConfig;
  logger: Logger;
  /** Default: built from the config (HERALD_SIGNING_KEYS, HERALD_API_KEYS…, HERALD_JWT_…). */
  keyring?: Keyring;
  authenticator?: Authenticator;
}

export async function startPublisher(options: StartPublisherOptions): Promise<RunningPublisher> {
  const { config, logger } = options;
  const keyring = options.keyring ?? keyringFromSettings(config);
  const authenticator = options.authenticator ?? createAuthenticator(config);
  const kafka = createKafka({ clientId: 'herald-publisher', connection: config, logger });
  const kafkaReadiness = kafkaReadinessCheck(createKafka({ clientId: 'herald-publisher-probe', connection: config, logger, probe: true }));
  const metrics = createMetrics({ service: 'publisher' });
  const publisherMetrics = createPublisherMetrics(metrics.registry);

  const catalog = new EventTypeCatalog({ kafka, logger, topic: config.eventTypesTopic, service: 'publisher', ...(config.replicationFactor > 0 ? { replicationFactor: config.replicationFactor } : {}) });
  await catalog.start();
  const admin = kafka.admin();
  await admin.connect();
  const registry = new RegistryClient(config.registryUrl);
  const writer = new EventWriter({
    kafka,
    probe: kafkaReadiness,
    logger,
    instanceId: `${hostname()}-${process.pid}`,
    transactionalLanes: config.transactionalProducers,
    compression: config.compression,
    ackTimeoutMs: config.ackTimeoutMs,
    onKafkaError: () => publisherMetrics.kafkaError(),
  });
  await writer.start();
  const dedupe = new DedupeWindow({ windowMs: config.dedupeWindowMs, maxEntries: config.dedupeMaxEntries });
  publisherMetrics.watch({ dedupeEntries: () => dedupe.size, kafkaAvailable: () => writer.isAvailable });
  const publisher = new Publisher({
    catalog,
    writer,
    schemas: new SchemaCache(registry),
    keyring,
    dedupe,
    rateLimiter: new RateLimiter({ ratePerSecond: config.rateLimitPerSecond, burst: config.rateLimitBurst }),
    metrics: publisherMetrics,
    limits: { maxBatchEvents: config.maxBatchEvents, maxEventBytes: config.maxEventBytes },
    registryUrl: config.registryUrl,
  });
  const eventTypes = new EventTypeAdmin({ catalog, registry, admin, ...(config.replicationFactor > 0 ? { replicationFactor: config.replicationFactor } : {}) });
  const service = createApp({
    logger,
    metrics,
    publisherMetrics,
    authenticator,
    publisher,
    eventTypes,
    bodyLimitBytes: config.bodyLimitBytes,
    readiness: {
      kafka: kafkaReadiness,
      catalog: async () => {
        if (!catalog.isReady) throw new Error('event type catalog not loaded yet, or its follower stopped');
      },
    },
  });
  const server = await listen(service.app, { port: config.port, host: config.host });
  logger.info('publisher listening', { url: server.url, eventTypes: catalog.list().length });
  return {
    url: server.url,
    port: server.port,
    catalog,
    async close() {
      service.setDraining();
      await server.close();
      await writer.close();
      await catalog.stop();
      await admin.disconnect();
      await kafkaReadiness.close();
    },
  };
}
