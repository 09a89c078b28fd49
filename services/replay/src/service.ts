// Builds the running replay service from its configuration: the catalogs and the replays topic
// it follows, the job runner, the API. main.ts calls it with the environment's config; tests
// call it directly.
import pg from 'pg';
import { createAuthenticator, type Authenticator } from '@herald/auth';
import { EventTypeCatalog, SubscriptionCatalog } from '@herald/catalog';
import { keyringFromSettings, type Keyring } from '@herald/envelope';
import { createKafka, kafkaReadinessCheck } from '@herald/kafka';
import { createMetrics, listen, type Logger } from '@herald/runtime';
import { SchemaCodec } from '@herald/schemas';
import { createApp } from './app.js';
import type { ReplayConfig } from './config.js';
import { GroupRewinder } from './groups.js';
import { ReplayLog } from './jobs/log.js';
import { JobRunner } from './jobs/runner.js';
import { createReplayMetrics } from './metrics.js';
import { ReplayAdmin } from './replays-api.js';
import { createTargets } from './targets.js';

export interface RunningReplay {
  url: string;
  port: number;
  log: ReplayLog;
  runner: JobRunner;
  close(): Promise<void>;
}

export interface StartReplayOptions {
  config: ReplayConfig;
  logger: Logger;
  keyring?: Keyring;
  authenticator?: Authenticator;
}

export async function startReplay(options: StartReplayOptions): Promise<RunningReplay> {
  const { config, logger } = options;
  const keyring = options.keyring ?? keyringFromSettings(config);
  const authenticator = options.authenticator ?? createAuthenticator(config);
  const kafka = createKafka({ clientId: 'herald-replay', connection: config, logger });
  const kafkaReadiness = kafkaReadinessCheck(createKafka({ clientId: 'herald-replay-probe', connection: config, logger, probe: true }));
  const metrics = createMetrics({ service: 'replay' });
  const replayMetrics = createReplayMetrics(metrics.registry);
  const replication = config.replicationFactor > 0 ? { replicationFactor: config.replicationFactor } : {};

  const eventTypes = new EventTypeCatalog({ kafka, logger, topic: config.eventTypesTopic, service: 'replay', ...replication });
  const subscriptions = new SubscriptionCatalog({ kafka, logger, topic: config.subscriptionsTopic, service: 'replay', ...replication });
  const log = new ReplayLog({ kafka, logger, topic: config.replaysTopic, transactionalId: `${config.runnerGroupId}.jobs`, ...replication });
  await Promise.all([eventTypes.start(), subscriptions.start(), log.start()]);
  const codec = new SchemaCodec({ registry: config.registryUrl });
  const pool = config.postgresUrl ? new pg.Pool({ connectionString: config.postgresUrl, max: config.postgresPoolSize }) : undefined;
  // An idle client that loses its connection must not take the process down.
  pool?.on('error', (err) => logger.warn('a PostgreSQL connection failed', { err }));
  const targets = createTargets({ replaysTopic: config.replaysTopic, pool, batchSize: config.batchSize, eventTypes, subscriptions });

  const runner = new JobRunner({
    kafka,
    log,
    logger,
    keyring,
    codec,
    metrics: replayMetrics,
    groupId: config.runnerGroupId,
    sessionTimeoutMs: config.sessionTimeoutMs,
    maxConcurrentJobs: config.maxConcurrentJobs,
    transactionalId: (job) => `${config.runnerGroupId}.job.${job}`,
    readerGroupPrefix: `${config.runnerGroupId}.read`,
    openTarget: targets.open,
    checkpointIntervalMs: config.checkpointIntervalMs,
    maxBytesPerPartition: config.maxBytesPerPartition,
    latestMaxKeys: config.latestMaxKeys,
  });
  replayMetrics.watch({
    running: () => runner.active().map((run) => ({ job: run.id, target: run.targetKind, rate: run.rate, checkpointAgeSeconds: run.checkpointAgeSeconds })),
    states: () => runner.states(),
  });
  await runner.start();

  const admin = kafka.admin();
  await admin.connect();
  const service = createApp({
    logger,
    metrics,
    authenticator,
    log,
    replays: new ReplayAdmin({
      log,
      eventTypes,
      subscriptions,
      admin,
      tables: targets.tables,
      httpTargets: config.httpTargets,
      topicPartitions: config.topicPartitions,
      ...replication,
      notify: (id) => runner.notify(id),
    }),
    rewinder: new GroupRewinder({ admin, subscriptions }),
    readiness: {
      kafka: kafkaReadiness,
      state: async () => {
        if (!eventTypes.isReady || !subscriptions.isReady || !log.isReady) throw new Error('event types, subscriptions or replay jobs not loaded yet, or a follower stopped');
      },
      runner: async () => {
        if (!runner.isHealthy) throw new Error('the job runner stopped');
      },
    },
    bodyLimitBytes: config.bodyLimitBytes,
    onRejected: (code) => replayMetrics.rejected(code),
    onRewind: (outcome) => replayMetrics.rewind(outcome),
  });
  const server = await listen(service.app, { port: config.port, host: config.host });
  let closing: Promise<void> | undefined;
  logger.info('replay listening', { url: server.url, jobs: log.list().length, postgres: pool !== undefined, httpTargets: config.httpTargets.length });
  return {
    url: server.url,
    port: server.port,
    log,
    runner,
    close() {
      closing ??= (async () => {
        service.setDraining();
        service.closeStreams();
        await server.close();
        // Every running job stops at its next record and checkpoints: a restart resumes it.
        await runner.stop('shutdown');
        await Promise.all([eventTypes.stop(), subscriptions.stop(), log.stop()]);
        await admin.disconnect();
        await kafkaReadiness.close();
        await pool?.end();
      })();
      return closing;
    },
  };
}
