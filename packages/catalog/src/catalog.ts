// The catalog of event types, kept in the compacted `_herald.event-types` topic (a NamedLog):
// every service follows it into memory and learns of changes as they are committed.
import type { Kafka } from 'kafkajs';
import type { Logger } from '@herald/runtime';
import type { EventType } from './event-type.js';
import { NamedLog, type NamedChange } from './named-log.js';

export const DEFAULT_EVENT_TYPES_TOPIC = '_herald.event-types';

export interface EventTypeCatalogOptions {
  kafka: Kafka;
  logger: Logger;
  topic?: string;
  /** For the topic's creation; default 3, or the broker count when smaller. */
  replicationFactor?: number;
  /** Who follows: part of the consumer group id, for operators reading group lists. */
  service: string;
}

export type CatalogChange = NamedChange<EventType>;

export class EventTypeCatalog extends NamedLog<EventType> {
  constructor(options: EventTypeCatalogOptions) {
    const topic = options.topic ?? DEFAULT_EVENT_TYPES_TOPIC;
    super({
      kafka: options.kafka,
      logger: options.logger,
      topic,
      noun: 'event type',
      service: options.service,
      transactionalId: `herald-catalog-writer-${topic}`,
      ...(options.replicationFactor !== undefined ? { replicationFactor: options.replicationFactor } : {}),
    });
  }
}
