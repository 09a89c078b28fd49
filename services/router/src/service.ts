// Builds the running router from its configuration: the catalogs it follows, the routing loop,
// the subscriptions API. main.ts calls it with the environment's config; tests call it directly.
import { createAuthenticator, type Authenticator } from '@herald/auth';
import { EventTypeCatalog, SubscriptionCatalog } from '@herald/catalog';
import { keyringFromSettings, type Keyring } from '@herald/envelope';
import { createKafka, kafkaReadinessCheck } from '@herald/kafka';
import { createMetrics, listen, type Logger } from '@herald/runtime';
import { SchemaCodec } from '@herald/schemas';
import { createApp } from './app.js';
import type { RouterConfig } from './config.js';
import { createRouterMetrics } from './metrics.js';
import { PatternTester } from './pattern-test.js';
import { EventRouter } from './routing/router.js';
import { SubscriptionAdmin } from './subscriptions-api.js';

export interface RunningRouter {
  url: string;
  port: number;
  subscriptions: SubscriptionCatalog;
  close(): Promise<void>;
}

export interface StartRouterOptions {
  config: RouterConfig;
  logger: Logger;
  /** Default: built from the config (HERALD_SIGNING_KEYS). */
  keyring?: Keyring;
  authenticator?: Authenticator;
}

export async function startRouter(options: StartRouterOptions): Promise<RunningRouter> {
  const { config, logger } = options;
  const keyring = options.keyring ?? keyringFromSettings(config);
  const authenticator = options.authenticator ?? createAuthenticator(config);
  const kafka = createKafka({ clientId: 'herald-router', connection: config, logger });
  const kafkaReadiness = kafkaReadinessCheck(createKafka({ clientId: 'herald-router-probe', connection: config, logger, probe: true }));
  const metrics = createMetrics({ service: 'router' });
  const routerMetrics = createRouterMetrics(metrics.registry);
  const replication = config.replicationFactor > 0 ? { replicationFactor: config.replicationFactor } : {};

  const eventTypes = new EventTypeCatalog({ kafka, logger, topic: config.eventTypesTopic, service: 'router', ...replication });
  const subscriptions = new SubscriptionCatalog({ kafka, logger, topic: config.subscriptionsTopic, service: 'router', ...replication });
  await Promise.all([eventTypes.start(), subscriptions.start()]);
  const codec = new SchemaCodec({ registry: config.registryUrl });
  const router = new EventRouter({
    kafka,
    logger,
    groupId: config.groupId,
    keyring,
    codec,
    subscriptions,
    eventTypes,
    metrics: routerMetrics,
    quarantineTopic: config.quarantineTopic,
    partitionsConcurrency: config.partitionsConcurrency,
    maxBytesPerPartition: config.maxBytesPerPartition,
    sessionTimeoutMs: config.sessionTimeoutMs,
    ...replication,
  });
  await router.start();
  const admin = kafka.admin();
  await admin.connect();
  const service = createApp({
    logger,
    metrics,
    authenticator,
    subscriptions: new SubscriptionAdmin({
      catalog: subscriptions,
      eventTypes,
      admin,
      ...replication,
      ...(config.destinationPartitions > 0 ? { destinationPartitions: config.destinationPartitions } : {}),
    }),
    tester: new PatternTester({ kafka, eventTypes, keyring, codec, maxEvents: config.testMaxEvents, logger }),
    readiness: {
      kafka: kafkaReadiness,
      catalogs: async () => {
        if (!eventTypes.isReady || !subscriptions.isReady) throw new Error('event types or subscriptions not loaded yet, or a follower stopped');
      },
      routing: async () => {
        if (!router.healthy) throw new Error('the routing consumer stopped');
      },
    },
    bodyLimitBytes: config.bodyLimitBytes,
    onRejected: (code) => routerMetrics.rejected(code),
  });
  const server = await listen(service.app, { port: config.port, host: config.host });
  let closing: Promise<void> | undefined;
  logger.info('router listening', { url: server.url, subscriptions: subscriptions.list().length, groupId: config.groupId });
  return {
    url: server.url,
    port: server.port,
    subscriptions,
    close() {
      closing ??= (async () => {
        service.setDraining();
        await server.close();
        // Stopping the consumer lets the batch in flight finish and commit: nothing is routed twice.
        await router.stop();
        await Promise.all([eventTypes.stop(), subscriptions.stop()]);
        await admin.disconnect();
        await kafkaReadiness.close();
      })();
      return closing;
    },
  };
}
