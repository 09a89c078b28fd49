// Topics the platform owns are created explicitly, with their settings, and checked when they
// already exist: a compacted metadata topic that someone created with delete retention, or with
// several partitions where order across all records matters, must stop the service, not corrupt it.
import type { Admin } from 'kafkajs';

export interface TopicSpec {
  topic: string;
  partitions: number;
  /** Default: 3, or the number of brokers when there are fewer. */
  replicationFactor?: number;
  configs?: Record<string, string>;
  /** Settings that an existing topic must have (e.g. cleanup.policy, and partitions when order is global). */
  require?: { partitions?: boolean; configs?: string[] };
}

export class TopicMismatchError extends Error {
  override readonly name = 'TopicMismatchError';
  readonly code = 'topic_mismatch';
  readonly retriable = false;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until every partition of a new topic has a leader that serves it. kafkajs's own
 * `waitForLeaders` gives up when a broker has not yet learnt of the topic
 * (UNKNOWN_TOPIC_OR_PARTITION), and in KRaft a partition's leader is in the metadata a moment
 * before that broker serves it (NOT_LEADER_OR_FOLLOWER); this asks again until the leaders
 * answer a ListOffsets.
 */
export async function waitForLeaders(admin: Admin, topic: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no metadata yet';
  while (Date.now() < deadline) {
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      const partitions = topics[0]?.partitions ?? [];
      if (partitions.length > 0 && partitions.every((p) => p.leader >= 0)) {
        await admin.fetchTopicOffsets(topic);
        return;
      }
      last = `${partitions.filter((p) => p.leader < 0).length} of ${partitions.length} partitions without a leader`;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(100);
  }
  throw new Error(`topic ${topic} has no leader for every partition after ${timeoutMs} ms (${last})`);
}

/** Creates the topic if it is missing; verifies the required settings if it exists. */
export async function ensureTopic(admin: Admin, spec: TopicSpec): Promise<'created' | 'exists'> {
  const { brokers } = await admin.describeCluster();
  const replicationFactor = spec.replicationFactor ?? Math.min(3, brokers.length);
  const configs: Record<string, string> = { ...(replicationFactor >= 3 ? { 'min.insync.replicas': '2' } : {}), ...spec.configs };
  const created = await admin.createTopics({
    waitForLeaders: false,
    topics: [{ topic: spec.topic, numPartitions: spec.partitions, replicationFactor, configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })) }],
  });
  if (created) {
    await waitForLeaders(admin, spec.topic);
    return 'created';
  }

  const problems: string[] = [];
  if (spec.require?.partitions) {
    const metadata = await admin.fetchTopicMetadata({ topics: [spec.topic] });
    const actual = metadata.topics[0]?.partitions.length ?? 0;
    if (actual !== spec.partitions) problems.push(`has ${actual} partitions, needs ${spec.partitions}`);
  }
  const names = spec.require?.configs ?? [];
  if (names.length > 0) {
    const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: spec.topic, configNames: names }] });
    for (const name of names) {
      const actual = described.resources[0]?.configEntries.find((e) => e.configName === name)?.configValue;
      if (actual !== configs[name]) problems.push(`has ${name}=${actual ?? '(unset)'}, needs ${configs[name]}`);
    }
  }
  if (problems.length > 0) throw new TopicMismatchError(`topic ${spec.topic} exists but ${problems.join('; ')}`);
  return 'exists';
}
