import { loadServiceConfig, setting } from '@herald/runtime';

export const replayConfigSpec = {
  port: setting.port({ env: 'HERALD_REPLAY_PORT', default: 8083, doc: 'HTTP port (replays API, consumer-group rewind, metrics, health)' }),
  host: setting.string({ env: 'HERALD_REPLAY_HOST', default: '0.0.0.0', doc: 'address to listen on' }),
  bodyLimitBytes: setting.int({ env: 'HERALD_REPLAY_MAX_BODY_BYTES', default: 65_536, min: 1024, max: 16 * 1_048_576, doc: 'largest request body' }),
  replaysTopic: setting.string({
    env: 'HERALD_REPLAY_TOPIC',
    default: '_herald.replays',
    pattern: /^[a-zA-Z0-9._-]{1,249}$/,
    doc: 'compacted topic of replay jobs and their checkpoints',
  }),
  runnerGroupId: setting.string({
    env: 'HERALD_REPLAY_GROUP_ID',
    default: 'herald-replay',
    pattern: /^[a-zA-Z0-9._-]{1,200}$/,
    doc: 'consumer group electing the one instance that runs jobs; also the prefix of the jobs\' transactional ids',
  }),
  sessionTimeoutMs: setting.int({
    env: 'HERALD_REPLAY_SESSION_TIMEOUT_MS',
    default: 10_000,
    min: 6000,
    max: 300_000,
    doc: 'how long the runners\' group waits for a silent instance before another resumes its jobs',
  }),
  maxConcurrentJobs: setting.int({ env: 'HERALD_REPLAY_MAX_CONCURRENT_JOBS', default: 4, min: 1, max: 64, doc: 'jobs run at once; more wait, pending, in creation order' }),
  checkpointIntervalMs: setting.int({
    env: 'HERALD_REPLAY_CHECKPOINT_INTERVAL_MS',
    default: 1000,
    min: 50,
    max: 60_000,
    doc: 'most time between checkpoints of a job writing to PostgreSQL or HTTP (a topic target checkpoints in every transaction)',
  }),
  batchSize: setting.int({ env: 'HERALD_REPLAY_BATCH_SIZE', default: 5000, min: 1, max: 100_000, doc: 'most events per write to a PostgreSQL target (HTTP targets set their own)' }),
  maxBytesPerPartition: setting.int({
    env: 'HERALD_REPLAY_MAX_BYTES_PER_PARTITION',
    default: 1_048_576,
    min: 16_384,
    max: 64 * 1_048_576,
    doc: 'most bytes fetched per source partition at once',
  }),
  latestMaxKeys: setting.int({
    env: 'HERALD_REPLAY_LATEST_MAX_KEYS',
    default: 2_000_000,
    min: 1,
    max: 100_000_000,
    doc: 'most keys a `mode: latest` job keeps in memory (the newest event of each, from latest-state topics and histories)',
  }),
  postgresUrl: setting.optionalString({
    env: 'HERALD_REPLAY_POSTGRES_URL',
    secret: true,
    doc: 'PostgreSQL connection URL of the `postgres` target (unset: the target is off). Jobs name tables, never connections',
  }),
  postgresPoolSize: setting.int({ env: 'HERALD_REPLAY_POSTGRES_POOL_SIZE', default: 8, min: 1, max: 100, doc: 'connections to the PostgreSQL target' }),
  httpTargets: setting.list({
    env: 'HERALD_REPLAY_HTTP_TARGETS',
    default: [],
    item: /^https?:\/\/[^\s@]+[/:]$/,
    itemDoc: 'http(s) URL prefix ending in / or :',
    doc: 'URL prefixes an `http` target may post to (empty: the target is off), so a job cannot make the service call anywhere; each ends in `/` (a path) or `:` (any port)',
  }),
  topicPartitions: setting.int({
    env: 'HERALD_REPLAY_TOPIC_PARTITIONS',
    default: 0,
    min: 0,
    max: 10_000,
    doc: 'partitions of `replay.*` topics it creates; 0: the most partitions among the sources',
  }),
  replicationFactor: setting.int({
    env: 'HERALD_REPLAY_TOPIC_REPLICATION_FACTOR',
    default: 0,
    min: 0,
    max: 32,
    doc: 'replication factor of the topics it creates; 0: 3, or the broker count when smaller',
  }),
};

export type ReplayConfig = ReturnType<typeof loadReplayConfig>;

export function loadReplayConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadServiceConfig('replay', replayConfigSpec, env);
}
