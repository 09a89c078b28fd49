// A metadata log: a compacted, single-partition topic that holds platform state (schemas, event
// types, subscriptions), replayed into memory by every instance and written through an
// ExclusiveWriter. The owner folds records into its state in `onRecord`; reads come from that
// state, writes go through `write`.
import type { Kafka } from 'kafkajs';
import type { Logger } from '@herald/runtime';
import { ExclusiveWriter, type Decision } from './exclusive-writer.js';
import { TopicFollower, type FollowedRecord } from './follower.js';
import { ensureTopic } from './topics.js';

export interface MetadataLogOptions {
  kafka: Kafka;
  logger: Logger;
  topic: string;
  /** For the topic's creation; default 3, or the broker count when smaller. */
  replicationFactor?: number;
  /** Prefix of the follower's consumer group id, for operators reading group lists. */
  groupIdPrefix: string;
  /** Shared by every instance writing the topic. */
  transactionalId: string;
  /** Applies one record to the owner's state, in log order. */
  onRecord: (record: FollowedRecord) => void;
  onFenced?: () => void;
}

export class MetadataLog {
  private readonly follower: TopicFollower;
  private readonly writer: ExclusiveWriter;
  private ready = false;

  constructor(private readonly options: MetadataLogOptions) {
    this.follower = new TopicFollower({
      kafka: options.kafka,
      topic: options.topic,
      logger: options.logger,
      groupIdPrefix: options.groupIdPrefix,
      onRecord: options.onRecord,
    });
    this.writer = new ExclusiveWriter({
      kafka: options.kafka,
      topic: options.topic,
      transactionalId: options.transactionalId,
      follower: this.follower,
      logger: options.logger,
      ...(options.onFenced ? { onFenced: options.onFenced } : {}),
    });
  }

  /** Creates the topic if needed (or checks it is compacted and has one partition) and replays it. */
  async start(): Promise<void> {
    const admin = this.options.kafka.admin();
    await admin.connect();
    try {
      await ensureTopic(admin, {
        topic: this.options.topic,
        partitions: 1,
        ...(this.options.replicationFactor !== undefined ? { replicationFactor: this.options.replicationFactor } : {}),
        configs: { 'cleanup.policy': 'compact' },
        require: { partitions: true, configs: ['cleanup.policy'] },
      });
    } finally {
      await admin.disconnect();
    }
    await this.follower.start();
    this.ready = true;
  }

  /** Replayed, and still following. */
  get isReady(): boolean {
    return this.ready && this.follower.healthy;
  }

  /** Resolves once every record committed before the call has been applied (read-your-writes across instances). */
  catchUp(timeoutMs?: number): Promise<void> {
    return this.follower.catchUp(timeoutMs);
  }

  /** See ExclusiveWriter.write: decide on complete state, append, read back. */
  write<T>(decide: () => Decision<T>): Promise<T> {
    return this.writer.write(decide);
  }

  async stop(): Promise<void> {
    this.ready = false;
    await this.writer.stop();
    await this.follower.stop();
  }
}
