// Starts a replay service in-process against the real broker, knowing the same principals,
// signing keys and event types as a test publisher (and a router's subscriptions), with its own
// replays topic and runner group.
import type { TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '@herald/runtime';
import { loadReplayConfig, startReplay, type JobView, type RunningReplay } from '@herald/replay';
import { cleanup, deleteTopicAfter, kafkaBrokers, uniqueName } from './kafka.js';
import { apiClient, type ApiCall, type PrincipalName, type TestPublisher } from './publisher.js';

export interface TestReplay {
  url: string;
  running: RunningReplay;
  replaysTopic: string;
  groupId: string;
  env: Record<string, string>;
  call: ApiCall;
}

export interface StartTestReplayOptions {
  publisher: TestPublisher;
  registryUrl: string;
  /** The router's, for subscription sources and redrive. */
  subscriptionsTopic?: string;
  postgresUrl?: string;
  /** Share these to run the same replay service again (a restart). */
  replaysTopic?: string;
  groupId?: string;
  env?: Record<string, string>;
}

/** The environment of a replay service for the test broker: for in-process and process tests alike. */
export async function replayEnv(t: TestContext, options: StartTestReplayOptions): Promise<{ env: Record<string, string>; replaysTopic: string; groupId: string }> {
  const replaysTopic = options.replaysTopic ?? uniqueName('_herald.replays');
  const groupId = options.groupId ?? uniqueName('herald-replay');
  if (!options.replaysTopic) deleteTopicAfter(t, replaysTopic);
  const env: Record<string, string> = {
    HERALD_KAFKA_BROKERS: (await kafkaBrokers()).join(','),
    HERALD_REGISTRY_URL: options.registryUrl,
    HERALD_EVENT_TYPES_TOPIC: options.publisher.eventTypesTopic,
    HERALD_SUBSCRIPTIONS_TOPIC: options.subscriptionsTopic ?? uniqueName('_herald.subscriptions'),
    HERALD_REPLAY_TOPIC: replaysTopic,
    HERALD_REPLAY_GROUP_ID: groupId,
    HERALD_REPLAY_PORT: '0',
    HERALD_REPLAY_HOST: '127.0.0.1',
    HERALD_REPLAY_TOPIC_REPLICATION_FACTOR: '1',
    HERALD_REPLAY_CHECKPOINT_INTERVAL_MS: '200',
    HERALD_REPLAY_SESSION_TIMEOUT_MS: '6000',
    HERALD_LOG_LEVEL: process.env.HERALD_TEST_LOG ? 'debug' : 'silent',
    ...(options.postgresUrl ? { HERALD_REPLAY_POSTGRES_URL: options.postgresUrl } : {}),
    ...options.publisher.secrets.env,
    ...options.env,
  };
  if (!options.subscriptionsTopic) deleteTopicAfter(t, env.HERALD_SUBSCRIPTIONS_TOPIC!);
  return { env, replaysTopic, groupId };
}

export async function startTestReplay(t: TestContext, options: StartTestReplayOptions): Promise<TestReplay> {
  const { env, replaysTopic, groupId } = await replayEnv(t, options);
  const config = loadReplayConfig(env);
  const running = await startReplay({ config, logger: createLogger({ service: 'replay', level: config.logLevel }) });
  cleanup(t, () => running.close());
  // The first instance of a group is elected at once; wait for it so tests start from a runner.
  for (const deadline = Date.now() + 30_000; !running.runner.isRunner && Date.now() < deadline; ) await sleep(50);
  return { url: running.url, running, replaysTopic, groupId, env, call: apiClient(running.url, options.publisher.secrets.tokens) };
}

/** Starts a replay as `as` (default the reader) and returns it; fails the test unless it is created. */
export async function startJob(replay: { call: ApiCall }, body: Record<string, unknown>, as: PrincipalName = 'reader'): Promise<JobView> {
  const res = await replay.call<JobView>(as, 'POST', '/v1/replays', body);
  if (res.status !== 201) throw new Error(`starting a replay: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Polls the job until it has finished (or the timeout), and returns it. */
export async function waitForJob(replay: { call: ApiCall }, id: string, timeoutMs = 60_000, as: PrincipalName = 'reader'): Promise<JobView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await replay.call<JobView>(as, 'GET', `/v1/replays/${id}`);
    if (res.status !== 200) throw new Error(`reading replay ${id}: ${res.status} ${JSON.stringify(res.body)}`);
    if (['completed', 'failed', 'cancelled'].includes(res.body.state)) return res.body;
    if (Date.now() > deadline) throw new Error(`replay ${id} did not finish within ${timeoutMs} ms: ${JSON.stringify(res.body)}`);
    await sleep(100);
  }
}
