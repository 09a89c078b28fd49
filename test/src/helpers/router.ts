// Starts a router in-process against the real broker, knowing the same principals, signing keys
// and event types as a test publisher, with its own subscriptions topic and consumer group.
import type { TestContext } from 'node:test';
import { createLogger } from '@herald/runtime';
import { loadRouterConfig, startRouter, type RunningRouter } from '@herald/router';
import { cleanup, deleteTopicAfter, kafkaBrokers, uniqueName } from './kafka.js';
import { apiClient, type ApiCall, type TestPublisher } from './publisher.js';

export interface TestRouter {
  url: string;
  running: RunningRouter;
  subscriptionsTopic: string;
  groupId: string;
  quarantineTopic: string;
  call: ApiCall;
}

export interface StartTestRouterOptions {
  publisher: TestPublisher;
  registryUrl: string;
  brokers?: string[];
  /** Share these to run several instances of one router (same group, same subscriptions). */
  subscriptionsTopic?: string;
  groupId?: string;
  quarantineTopic?: string;
  env?: Record<string, string>;
}

export async function startTestRouter(t: TestContext, options: StartTestRouterOptions): Promise<TestRouter> {
  const subscriptionsTopic = options.subscriptionsTopic ?? uniqueName('_herald.subscriptions');
  const groupId = options.groupId ?? uniqueName('herald-router');
  const quarantineTopic = options.quarantineTopic ?? uniqueName('_herald.quarantine');
  const config = loadRouterConfig({
    HERALD_KAFKA_BROKERS: (options.brokers ?? (await kafkaBrokers())).join(','),
    HERALD_REGISTRY_URL: options.registryUrl,
    HERALD_EVENT_TYPES_TOPIC: options.publisher.eventTypesTopic,
    HERALD_SUBSCRIPTIONS_TOPIC: subscriptionsTopic,
    HERALD_ROUTER_GROUP_ID: groupId,
    HERALD_ROUTER_QUARANTINE_TOPIC: quarantineTopic,
    HERALD_ROUTER_PORT: '0',
    HERALD_ROUTER_HOST: '127.0.0.1',
    HERALD_ROUTER_TOPIC_REPLICATION_FACTOR: '1',
    HERALD_LOG_LEVEL: process.env.HERALD_TEST_LOG ? 'debug' : 'silent',
    ...options.publisher.secrets.env,
    ...options.env,
  });
  const running = await startRouter({ config, logger: createLogger({ service: 'router', level: config.logLevel }) });
  cleanup(t, () => running.close());
  if (!options.brokers) {
    if (!options.subscriptionsTopic) deleteTopicAfter(t, subscriptionsTopic);
    if (!options.quarantineTopic) deleteTopicAfter(t, quarantineTopic);
  }
  return { url: running.url, running, subscriptionsTopic, groupId, quarantineTopic, call: apiClient(running.url, options.publisher.secrets.tokens) };
}
