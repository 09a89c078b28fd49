import { loadServiceConfig, setting } from '@herald/runtime';

export const routerConfigSpec = {
  port: setting.port({ env: 'HERALD_ROUTER_PORT', default: 8082, doc: 'HTTP port (subscriptions API, metrics, health)' }),
  host: setting.string({ env: 'HERALD_ROUTER_HOST', default: '0.0.0.0', doc: 'address to listen on' }),
  bodyLimitBytes: setting.int({ env: 'HERALD_ROUTER_MAX_BODY_BYTES', default: 262_144, min: 1024, max: 16 * 1_048_576, doc: 'largest request body' }),
  groupId: setting.string({
    env: 'HERALD_ROUTER_GROUP_ID',
    default: 'herald-router',
    pattern: /^[a-zA-Z0-9._-]{1,200}$/,
    doc: 'consumer group of the router instances; also the prefix of their transactional ids',
  }),
  quarantineTopic: setting.string({
    env: 'HERALD_ROUTER_QUARANTINE_TOPIC',
    default: '_herald.quarantine',
    pattern: /^[a-zA-Z0-9._-]{1,249}$/,
    doc: 'where records whose signature does not verify go (never routed)',
  }),
  partitionsConcurrency: setting.int({
    env: 'HERALD_ROUTER_PARTITIONS_CONCURRENCY',
    default: 8,
    min: 1,
    max: 256,
    doc: 'input partitions an instance routes at the same time (each in order, each with its own transactions)',
  }),
  maxBytesPerPartition: setting.int({
    env: 'HERALD_ROUTER_MAX_BYTES_PER_PARTITION',
    default: 1_048_576,
    min: 16_384,
    max: 64 * 1_048_576,
    doc: 'most bytes fetched per partition at once: one fetched batch is routed in one transaction',
  }),
  sessionTimeoutMs: setting.int({
    env: 'HERALD_ROUTER_SESSION_TIMEOUT_MS',
    default: 30_000,
    min: 6000,
    max: 300_000,
    doc: 'how long the group waits for a silent instance before handing its partitions to others',
  }),
  destinationPartitions: setting.int({
    env: 'HERALD_ROUTER_DESTINATION_PARTITIONS',
    default: 0,
    min: 0,
    max: 10_000,
    doc: 'partitions of the topics it creates for subscriptions; 0: the most partitions among the types read',
  }),
  replicationFactor: setting.int({
    env: 'HERALD_ROUTER_TOPIC_REPLICATION_FACTOR',
    default: 0,
    min: 0,
    max: 32,
    doc: 'replication factor of the topics it creates; 0: 3, or the broker count when smaller',
  }),
  testMaxEvents: setting.int({
    env: 'HERALD_ROUTER_TEST_MAX_EVENTS',
    default: 1000,
    min: 1,
    max: 100_000,
    doc: 'most recent events POST /v1/subscriptions/test may read',
  }),
};

export type RouterConfig = ReturnType<typeof loadRouterConfig>;

export function loadRouterConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadServiceConfig('router', routerConfigSpec, env);
}
