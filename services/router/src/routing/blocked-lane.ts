// A subscription held back on one input partition (its policy is `block` and an event failed):
// the main loop routes the partition on for every other subscription and skips this one, and
// this lane retries the failing event for it alone, then delivers what was held back, in order,
// until it reaches the main loop's position and hands the subscription back.
//
// The lane reads the partition with a consumer of its own (no commits: its position is the
// offset in the committed metadata) and writes through the partition's transactional producer,
// under the partition's lock, so its deliveries and its position commit together and never
// race the main loop. The failing event is retried for as long as the policy stays `block`;
// an operator who changes the policy (to dead-letter or discard) releases it.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { backoffMs, type Subscription } from '@herald/catalog';
import { evaluate, referencesField, type Pattern } from '@herald/patterns';
import type { Keyring } from '@herald/envelope';
import type { Logger } from '@herald/runtime';
import type { SchemaCodec } from '@herald/schemas';
import { attributesView, decodeData, fullView, inspectRecord } from '../event-view.js';
import { RoutingFailure } from '../errors.js';
import { forwarded, type OutputMessage } from './headers.js';
import { FencedError, type PartitionRoute } from './partition-route.js';
import type { EventRouter } from './router.js';

export interface BlockedLaneOptions {
  router: EventRouter;
  kafka: Kafka;
  keyring: Keyring;
  codec: SchemaCodec;
  logger: Logger;
  groupId: string;
  route: PartitionRoute;
  subscription: string;
  from: bigint;
  onStop: () => void;
}


export class BlockedLane {
  readonly route: PartitionRoute;
  private position: bigint;
  private consumer: Consumer | undefined;
  private stopped = false;
  private stopping: Promise<void> | undefined;

  constructor(private readonly options: BlockedLaneOptions) {
    this.route = options.route;
    this.position = options.from;
  }

  async start(): Promise<void> {
    const { route } = this;
    // Nothing held back yet (the main loop blocked on its newest record and stopped there)?
    if (await this.handOverIfCaughtUp()) return;
    const consumer = this.options.kafka.consumer({
      groupId: this.options.groupId,
      readUncommitted: false,
      allowAutoTopicCreation: false,
      maxBytesPerPartition: 262_144,
      maxWaitTimeInMs: 500,
    });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topic: route.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, heartbeat, isRunning }) => {
        if (batch.partition !== route.partition) {
          consumer.pause([{ topic: route.topic, partitions: [batch.partition] }]);
          return;
        }
        for (const message of batch.messages) {
          if (this.stopped || !isRunning()) return;
          if (BigInt(message.offset) < this.position) continue;
          await this.deliver(message, heartbeat);
        }
        await this.handOverIfCaughtUp();
      },
    });
    consumer.seek({ topic: route.topic, partition: route.partition, offset: String(this.position) });
    this.options.logger.info('blocked lane started', { subscription: this.options.subscription, topic: route.topic, partition: route.partition, from: String(this.position) });
  }

  private subscription(): Subscription | undefined {
    return this.options.router.table().subscriptions.get(this.options.subscription);
  }

  /** Once the lane has delivered up to the main loop's position, the main loop takes the subscription back. */
  private async handOverIfCaughtUp(): Promise<boolean> {
    const { route } = this;
    return route.exclusive(async () => {
      if (this.stopped || route.isClosed || !route.ready) return false;
      const next = route.next;
      const deleted = this.subscription() === undefined;
      if (!deleted && (next === undefined || this.position < next)) return false;
      route.blocked.delete(this.options.subscription);
      await route.commit(new Map(), next!, () => !this.stopped);
      this.options.logger.info(deleted ? 'blocked subscription deleted; lane closed' : 'blocked subscription caught up; routing it with the partition again', {
        subscription: this.options.subscription,
        topic: route.topic,
        partition: route.partition,
      });
      void this.stop();
      return true;
    }).catch((error: unknown) => this.failed(error));
  }

  private failed(error: unknown): false {
    if (!(error instanceof FencedError)) this.options.logger.error('blocked lane failed', { subscription: this.options.subscription, err: error });
    void this.stop();
    return false;
  }

  /** Retries one held-back record for the subscription until it is delivered, dead-lettered or discarded. */
  private async deliver(message: KafkaMessage, heartbeat: () => Promise<void>): Promise<void> {
    const origin = { topic: this.route.topic, partition: this.route.partition, offset: message.offset };
    for (let attempt = 1; !this.stopped; attempt++) {
      const s = this.subscription();
      if (!s) return;
      let output: { topic: string; message: OutputMessage } | undefined;
      const outcome = await this.evaluate(s, message);
      if (outcome === 'matched') {
        output = { topic: s.destination.topic, message: forwarded(message, origin, s.name) };
      } else if (outcome instanceof RoutingFailure) {
        if (s.failure.then === 'block') {
          // Held back for as long as the policy says so: wait, then try again.
          await sleep(backoffMs(s.failure.retry, attempt));
          await heartbeat().catch(() => undefined);
          continue;
        }
        if (s.failure.then === 'dead-letter') {
          output = { topic: s.destination.deadLetterTopic, message: forwarded(message, origin, s.name, { code: outcome.code, message: outcome.message, attempts: attempt }) };
        }
      }
      await this.advance(BigInt(message.offset) + 1n, output);
      return;
    }
  }

  private async evaluate(s: Subscription, message: KafkaMessage): Promise<'matched' | 'skipped' | RoutingFailure> {
    const inspection = inspectRecord(message, this.options.keyring);
    if (!inspection.ok) return 'skipped'; // The main loop quarantined it.
    const { attributes, data } = inspection;
    if (!s.eventTypes.includes(attributes.type)) return 'skipped';
    if (s.pattern === undefined) return 'matched';
    const pattern = s.pattern as Pattern;
    if (!referencesField(pattern, 'data')) return evaluate(pattern, attributesView(attributes)) ? 'matched' : 'skipped';
    // One attempt: `deliver` retries, with the subscription's backoff, for as long as it blocks.
    let decoded: unknown;
    try {
      decoded = await decodeData(this.options.codec, attributes, data);
    } catch (error) {
      if (error instanceof RoutingFailure) return error;
      throw error;
    }
    return evaluate(pattern, fullView(attributes, decoded)) ? 'matched' : 'skipped';
  }

  /** Commits the lane's progress (and its output) with the partition's producer, under its lock. */
  private async advance(position: bigint, output: { topic: string; message: OutputMessage } | undefined): Promise<void> {
    const { route } = this;
    if (!output) {
      // Nothing to write: the position moves in memory only. After a crash the lane starts again
      // from the committed position and skips the same records again.
      this.position = position;
      await this.handOverIfCaughtUp();
      return;
    }
    await route
      .exclusive(async () => {
        if (this.stopped || route.isClosed || !route.ready || route.next === undefined) return;
        if (position - 1n >= route.next) return; // The main loop has not passed it: it is the main loop's to route.
        route.blocked.set(this.options.subscription, position);
        await route.commit(output ? new Map([[output.topic, [output.message]]]) : new Map(), route.next, () => !this.stopped);
        this.position = position;
      })
      .catch((error: unknown) => this.failed(error));
    await this.handOverIfCaughtUp();
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.stopped = true;
      this.options.onStop();
      await this.consumer?.disconnect().catch(() => undefined);
    })();
    return this.stopping;
  }
}
