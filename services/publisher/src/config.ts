import { ConfigError, loadServiceConfig, setting } from '@herald/runtime';

export const publisherConfigSpec = {
  port: setting.port({ env: 'HERALD_PUBLISHER_PORT', default: 8080, doc: 'HTTP port' }),
  host: setting.string({ env: 'HERALD_PUBLISHER_HOST', default: '0.0.0.0', doc: 'address to listen on' }),
  bodyLimitBytes: setting.int({ env: 'HERALD_PUBLISHER_MAX_BODY_BYTES', default: 1_048_576, min: 1024, max: 64 * 1_048_576, doc: 'largest request body' }),
  maxEventBytes: setting.int({
    env: 'HERALD_PUBLISHER_MAX_EVENT_BYTES',
    default: 1_000_000,
    min: 1024,
    max: 16 * 1_048_576,
    doc: 'largest event as a Kafka record (key, Avro value and headers); keep it below the topics\' max.message.bytes',
  }),
  maxBatchEvents: setting.int({ env: 'HERALD_PUBLISHER_MAX_BATCH_EVENTS', default: 500, min: 1, max: 10_000, doc: 'most events in one request' }),
  rateLimitPerSecond: setting.int({ env: 'HERALD_PUBLISHER_RATE_LIMIT', default: 5000, min: 1, max: 10_000_000, doc: 'events per second each principal may publish (per instance)' }),
  rateLimitBurst: setting.int({ env: 'HERALD_PUBLISHER_RATE_BURST', default: 10_000, min: 1, max: 100_000_000, doc: 'events a principal may publish at once above its rate' }),
  ackTimeoutMs: setting.int({
    env: 'HERALD_PUBLISHER_ACK_TIMEOUT_MS',
    default: 1500,
    min: 100,
    max: 120_000,
    doc: 'how long a publish waits for Kafka\'s acknowledgement before answering 503',
  }),
  dedupeWindowMs: setting.int({
    env: 'HERALD_PUBLISHER_DEDUPE_WINDOW_MS',
    default: 300_000,
    min: 0,
    max: 86_400_000,
    doc: 'how long a (source, id) is remembered, so that a repeat is not written twice; 0 turns it off',
  }),
  dedupeMaxEntries: setting.int({
    env: 'HERALD_PUBLISHER_DEDUPE_MAX_ENTRIES',
    default: 500_000,
    min: 1000,
    max: 50_000_000,
    doc: 'most (source, id) pairs remembered; the oldest go first when full (about 270 bytes each)',
  }),
  compression: setting.oneOf({ env: 'HERALD_PUBLISHER_COMPRESSION', values: ['none', 'gzip'] as const, default: 'none', doc: 'compression of produced batches' }),
  transactionalProducers: setting.int({
    env: 'HERALD_PUBLISHER_TRANSACTIONAL_PRODUCERS',
    default: 2,
    min: 1,
    max: 32,
    doc: 'producers writing batches that span partitions (each one Kafka transaction at a time)',
  }),
  replicationFactor: setting.int({
    env: 'HERALD_PUBLISHER_TOPIC_REPLICATION_FACTOR',
    default: 0,
    min: 0,
    max: 32,
    doc: 'replication factor of the topics it creates unless an event type sets one; 0: 3, or the broker count when smaller',
  }),
};

export type PublisherConfig = ReturnType<typeof loadPublisherConfig>;

export function loadPublisherConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = loadServiceConfig('publisher', publisherConfigSpec, env);
  if (config.rateLimitBurst < config.maxBatchEvents) {
    // A batch costs one token per event: a burst below the largest batch would refuse it forever.
    throw new ConfigError([
      `HERALD_PUBLISHER_RATE_BURST (${config.rateLimitBurst}) must be at least HERALD_PUBLISHER_MAX_BATCH_EVENTS (${config.maxBatchEvents}): a full batch could never pass`,
    ]);
  }
  return config;
}
