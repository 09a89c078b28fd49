// The subscriptions, kept in the compacted `_herald.subscriptions` topic (a NamedLog): the
// router follows it, so a change takes effect in every running instance without a restart.
import type { Kafka } from 'kafkajs';
import type { Logger } from '@herald/runtime';
import { NamedLog, type NamedChange } from './named-log.js';
import type { Subscription } from './subscription.js';

export const DEFAULT_SUBSCRIPTIONS_TOPIC = '_herald.subscriptions';

export interface SubscriptionCatalogOptions {
  kafka: Kafka;
  logger: Logger;
  topic?: string;
  replicationFactor?: number;
  service: string;
}

export type SubscriptionChange = NamedChange<Subscription>;

export class SubscriptionCatalog extends NamedLog<Subscription> {
  constructor(options: SubscriptionCatalogOptions) {
    const topic = options.topic ?? DEFAULT_SUBSCRIPTIONS_TOPIC;
    super({
      kafka: options.kafka,
      logger: options.logger,
      topic,
      noun: 'subscription',
      service: options.service,
      transactionalId: `herald-subscriptions-writer-${topic}`,
      ...(options.replicationFactor !== undefined ? { replicationFactor: options.replicationFactor } : {}),
    });
  }
}
