// The routing loop. One consumer group reads every event type's topic; each partition is routed
// in order, in transactions that write the matched records to the subscription topics (and
// failures to dead-letter or quarantine topics) and commit the consumed offset together, so a
// read_committed consumer of a subscription topic sees each event once, whatever crashes.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { backoffMs, topicNameOf, type EventTypeCatalog, type Subscription, type SubscriptionCatalog } from '@herald/catalog';
import type { Keyring } from '@herald/envelope';
import { ensureTopic } from '@herald/kafka';
import type { Logger } from '@herald/runtime';
import type { SchemaCodec } from '@herald/schemas';
import type { RoutingFailure } from '../errors.js';
import { attributesView, decodeData, fullView, inspectRecord } from '../event-view.js';
import type { RouterMetrics, SubscriptionLag } from '../metrics.js';
import { BlockedLane } from './blocked-lane.js';
import { forwarded, sizeOf, type Origin, type OutputMessage } from './headers.js';
import { FencedError, MAX_OFFSET_METADATA_BYTES, PartitionRoute, formatMetadata } from './partition-route.js';
import { RouteTable } from './table.js';

export interface EventRouterOptions {
  kafka: Kafka;
  logger: Logger;
  groupId: string;
  keyring: Keyring;
  codec: SchemaCodec;
  subscriptions: SubscriptionCatalog;
  eventTypes: EventTypeCatalog;
  metrics: RouterMetrics;
  quarantineTopic: string;
  partitionsConcurrency: number;
  maxBytesPerPartition: number;
  sessionTimeoutMs: number;
  replicationFactor?: number;
}

/**
 * A transaction carries at most this much output, so one fetched batch may take several. The
 * records of one input partition mostly go to one partition of each destination, in one record
 * batch, which Kafka refuses above the topic's max.message.bytes (1 MB by default): stay well
 * under it.
 */
const MAX_TRANSACTION_BYTES = 512 * 1024;
const MAX_TRANSACTION_RECORDS = 5000;
const EVENT_TOPIC_PREFIX = 'events.';


/** What routing a chunk of records produced, before it is committed. */
class Outputs {
  readonly byTopic = new Map<string, OutputMessage[]>();
  bytes = 0;
  readonly delivered = new Map<string, number>();
  readonly newlyBlocked = new Set<string>();

  add(topic: string, message: OutputMessage): void {
    let list = this.byTopic.get(topic);
    if (!list) this.byTopic.set(topic, (list = []));
    list.push(message);
    this.bytes += sizeOf(message);
  }

  deliver(subscription: Subscription, message: OutputMessage): void {
    this.add(subscription.destination.topic, message);
    this.delivered.set(subscription.name, (this.delivered.get(subscription.name) ?? 0) + 1);
  }
}

export class EventRouter {
  private readonly admin: Admin;
  private tableDirty = true;
  private routeTable: RouteTable | undefined;
  private consumer: Consumer | undefined;
  private topics: string[] = [];
  private readonly routes = new Map<string, PartitionRoute>();
  private readonly lanes = new Map<string, BlockedLane>();
  private unsubscribe: Array<() => void> = [];
  private restartTimer: NodeJS.Timeout | undefined;
  private restarting: Promise<void> = Promise.resolve();
  private running = false;
  private consumerFailure: Error | undefined;

  constructor(private readonly options: EventRouterOptions) {
    this.admin = options.kafka.admin();
  }

  async start(): Promise<void> {
    this.running = true;
    await this.admin.connect();
    await ensureTopic(this.admin, {
      topic: this.options.quarantineTopic,
      partitions: 1,
      ...(this.options.replicationFactor !== undefined ? { replicationFactor: this.options.replicationFactor } : {}),
      configs: { 'retention.ms': String(30 * 24 * 3600 * 1000) },
    });
    this.unsubscribe.push(
      this.options.subscriptions.onChange(() => {
        this.tableDirty = true;
      }),
      this.options.eventTypes.onChange(() => {
        this.tableDirty = true;
        this.scheduleRestart();
      }),
    );
    await this.restartConsumer();
    this.options.metrics.watch({
      lag: () => this.lag(),
      blocked: () => this.blockedCounts(),
      assignedPartitions: () => this.routes.size,
    });
  }

  /** The subscriptions as of now; rebuilt (compiled) at most once per change, when next needed. */
  table(): RouteTable {
    if (this.tableDirty || !this.routeTable) {
      this.tableDirty = false;
      this.routeTable = new RouteTable(this.options.subscriptions.list(), this.options.eventTypes.list());
      for (const { name, reason } of this.routeTable.invalid) this.options.logger.error('subscription not routed: its pattern is invalid', { subscription: name, reason });
    }
    return this.routeTable;
  }

  get healthy(): boolean {
    return this.running && this.consumerFailure === undefined;
  }

  private scheduleRestart(): void {
    if (!this.running) return;
    clearTimeout(this.restartTimer);
    // Coalesce a burst of catalog changes into one rejoin.
    this.restartTimer = setTimeout(() => {
      this.restarting = this.restarting.then(() => this.restartConsumer()).catch((error: unknown) => {
        this.options.logger.error('router consumer restart failed', { err: error });
      });
    }, 500);
  }

  /** (Re)subscribes to every event type's topic when the set changed: kafkajs cannot add topics to a running consumer. */
  private async restartConsumer(): Promise<void> {
    if (!this.running) return;
    const topics = this.options.eventTypes
      .list()
      .map((t) => t.topicName ?? topicNameOf(t.name))
      .sort();
    if (this.consumer && topics.join('\n') === this.topics.join('\n')) return;
    if (this.consumer) {
      const old = this.consumer;
      this.consumer = undefined;
      await old.disconnect();
    }
    this.topics = topics;
    if (topics.length === 0) return;
    const consumer = this.options.kafka.consumer({
      groupId: this.options.groupId,
      readUncommitted: false,
      allowAutoTopicCreation: false,
      maxBytesPerPartition: this.options.maxBytesPerPartition,
      maxWaitTimeInMs: 1000,
      sessionTimeout: this.options.sessionTimeoutMs,
      heartbeatInterval: Math.min(3000, Math.floor(this.options.sessionTimeoutMs / 3)),
    });
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      const assigned = new Set<string>();
      for (const [topic, partitions] of Object.entries(payload.memberAssignment)) for (const p of partitions) assigned.add(`${topic}:${p}`);
      for (const [key, route] of this.routes) {
        if (!assigned.has(key)) void this.release(key, route);
      }
      this.options.logger.info('router joined the group', { partitions: assigned.size, generation: payload.groupId });
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart) return;
      this.consumerFailure = payload.error;
      this.options.logger.error('router consumer stopped', { err: payload.error });
    });
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConcurrency,
      eachBatch: (payload) => this.routeBatch(payload),
    });
    this.consumer = consumer;
    this.consumerFailure = undefined;
    this.options.logger.info('router consuming', { topics: topics.length });
  }

  private async release(key: string, route: PartitionRoute): Promise<void> {
    if (this.routes.get(key) === route) this.routes.delete(key);
    await Promise.all(this.lanesOf(route).map((lane) => lane.stop()));
    await route.close();
  }

  private lanesOf(route: PartitionRoute): BlockedLane[] {
    return [...this.lanes.values()].filter((lane) => lane.route === route);
  }

  private routeOf(topic: string, partition: number): PartitionRoute {
    const key = `${topic}:${partition}`;
    let route = this.routes.get(key);
    if (!route || route.isClosed) {
      route = new PartitionRoute({
        kafka: this.options.kafka,
        admin: this.admin,
        logger: this.options.logger,
        groupId: this.options.groupId,
        topic,
        partition,
        onTransaction: (outcome, seconds) => this.options.metrics.transaction(outcome, seconds),
      });
      this.routes.set(key, route);
    }
    return route;
  }

  private async routeBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const route = this.routeOf(batch.topic, batch.partition);
    const type = batch.topic.slice(EVENT_TOPIC_PREFIX.length);
    route.highWatermark = BigInt(batch.highWatermark);
    const keepGoing = () => this.running && isRunning() && !isStale();
    await route.exclusive(async () => {
      if (route.isClosed) return;
      try {
        if (!route.ready) {
          this.restartLanes(route, await route.takeOver());
        }
        let messages = batch.messages;
        const next = route.next;
        if (next !== undefined) {
          // Records below the committed offset were routed by a previous owner (see PartitionRoute).
          const skip = messages.findIndex((m) => BigInt(m.offset) >= next);
          const below = skip === -1 ? messages : messages.slice(0, skip);
          if (below.length > 0) resolveOffset(below[below.length - 1]!.offset);
          messages = skip === -1 ? [] : messages.slice(skip);
        }
        this.options.metrics.consumed(type, messages.length);
        let i = 0;
        while (i < messages.length && keepGoing()) {
          route.waitingSince = Number(messages[i]!.timestamp);
          const outputs = new Outputs();
          const start = i;
          while (i < messages.length && outputs.bytes < MAX_TRANSACTION_BYTES && i - start < MAX_TRANSACTION_RECORDS) {
            await this.routeRecord(route, messages[i]!, outputs, heartbeat);
            i++;
          }
          const last = messages[i - 1]!;
          await route.commit(outputs.byTopic, BigInt(last.offset) + 1n, keepGoing);
          resolveOffset(last.offset);
          for (const [name, n] of outputs.delivered) this.options.metrics.delivered(name, n);
          for (const name of outputs.newlyBlocked) this.startLane(route, name, route.blocked.get(name)!);
          await heartbeat();
        }
        route.waitingSince = route.next !== undefined && route.highWatermark > route.next ? Date.now() : undefined;
      } catch (error) {
        if (!(error instanceof FencedError)) throw error;
        // Another instance took the partition: leave the batch unresolved, so it is fetched
        // again, and let the heartbeat find the rebalance that hands the partition over.
        this.options.logger.warn('routing fenced', { topic: route.topic, partition: route.partition, err: error });
        this.stopLanes(route);
        await heartbeat();
      }
    });
  }

  private restartLanes(route: PartitionRoute, blocked: Map<string, bigint>): void {
    this.stopLanes(route);
    for (const [name, from] of blocked) this.startLane(route, name, from);
  }

  /**
   * Stops a partition's lanes without waiting for them: called under the partition's lock, which
   * a lane may be waiting for (a stopped lane that gets the lock writes nothing).
   */
  private stopLanes(route: PartitionRoute): void {
    for (const lane of this.lanesOf(route)) void lane.stop();
  }

  private startLane(route: PartitionRoute, subscription: string, from: bigint): void {
    const key = `${subscription}|${route.topic}|${route.partition}`;
    const lane = new BlockedLane({
      router: this,
      kafka: this.options.kafka,
      keyring: this.options.keyring,
      codec: this.options.codec,
      logger: this.options.logger,
      groupId: `${this.options.groupId}.blocked.${randomUUID()}`,
      route,
      subscription,
      from,
      onStop: () => {
        if (this.lanes.get(key) === lane) this.lanes.delete(key);
      },
    });
    this.lanes.set(key, lane);
    lane.start().catch((error: unknown) => this.options.logger.error('blocked lane failed to start', { subscription, topic: route.topic, partition: route.partition, err: error }));
  }

  /** Routes one record into `outputs`: deliveries, dead letters, quarantine, new blocks. */
  private async routeRecord(route: PartitionRoute, message: KafkaMessage, outputs: Outputs, heartbeat: () => Promise<void>): Promise<void> {
    const origin: Origin = { topic: route.topic, partition: route.partition, offset: message.offset };
    const inspection = inspectRecord(message, this.options.keyring);
    if (!inspection.ok) {
      this.quarantine(message, origin, inspection.failure, outputs);
      return;
    }
    const { attributes, data } = inspection;
    if (topicNameOf(attributes.type) !== route.topic) {
      this.quarantine(message, origin, { code: 'invalid_event', message: `an event of type ${attributes.type} does not belong in ${route.topic}` }, outputs);
      return;
    }
    const table = this.table();
    const routes = table.routesOf(attributes.type);
    if (!routes) return;
    if (routes.latestStateTopic !== undefined) outputs.add(routes.latestStateTopic, forwarded(message, origin, undefined));
    const matched: Subscription[] = [...routes.always];
    if (routes.attributes) for (const id of routes.attributes.match(attributesView(attributes))) matched.push(table.subscriptions.get(id)!);
    if (routes.data) {
      // Per record: no work proportional to the number of subscriptions unless some are held back.
      const candidates = route.blocked.size === 0 ? routes.dataSubscriptions : routes.dataSubscriptions.filter((s) => !route.blocked.has(s.name));
      if (candidates.length > 0) {
        const decoded = await this.decodeWithRetry(attributes, data, candidates, heartbeat);
        if (decoded.ok) {
          for (const id of routes.data.match(fullView(attributes, decoded.data))) matched.push(table.subscriptions.get(id)!);
        } else {
          for (const s of candidates) this.fail(route, s, message, origin, decoded.failure, decoded.attempts, outputs);
        }
      }
    }
    for (const s of matched) {
      if (route.blocked.has(s.name)) continue;
      this.options.metrics.matched(s.name);
      outputs.deliver(s, forwarded(message, origin, s.name));
    }
  }

  private quarantine(message: KafkaMessage, origin: Origin, failure: { code: string; message: string }, outputs: Outputs): void {
    this.options.metrics.quarantined(failure.code);
    this.options.logger.warn('quarantined a record', { topic: origin.topic, partition: origin.partition, offset: origin.offset, code: failure.code, reason: failure.message });
    outputs.add(this.options.quarantineTopic, forwarded(message, origin, undefined, { code: failure.code, message: failure.message, attempts: 1 }));
  }

  /**
   * Decodes the data for the subscriptions that need it, retrying a retriable failure (the
   * registry is unreachable) as long as the most patient of them allows.
   */
  private async decodeWithRetry(
    attributes: Parameters<typeof decodeData>[1],
    data: Buffer,
    subscriptions: readonly Subscription[],
    heartbeat: () => Promise<void>,
  ): Promise<{ ok: true; data: unknown } | { ok: false; failure: RoutingFailure; attempts: number }> {
    let patient: Subscription | undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        return { ok: true, data: await decodeData(this.options.codec, attributes, data) };
      } catch (error) {
        const failure = error as RoutingFailure;
        patient ??= subscriptions.reduce((a, b) => (b.failure.retry.maxAttempts > a.failure.retry.maxAttempts ? b : a));
        if (!failure.retriable || attempt >= patient.failure.retry.maxAttempts || !this.running) return { ok: false, failure, attempts: attempt };
        for (const s of subscriptions) if (attempt < s.failure.retry.maxAttempts) this.options.metrics.retried(s.name);
        await sleep(backoffMs(patient.failure.retry, attempt));
        await heartbeat();
      }
    }
  }

  /** Applies a subscription's failure policy to an event it could not take. */
  private fail(route: PartitionRoute, s: Subscription, message: KafkaMessage, origin: Origin, failure: RoutingFailure, attempts: number, outputs: Outputs): void {
    let action = s.failure.then;
    if (action === 'block') {
      route.blocked.set(s.name, BigInt(message.offset));
      if ((formatMetadata(route.blocked)?.length ?? 0) > MAX_OFFSET_METADATA_BYTES) {
        // The held-back subscriptions ride in the offset's metadata, which Kafka bounds.
        route.blocked.delete(s.name);
        this.options.logger.error('too many subscriptions held back on one partition; dead-lettering instead', { subscription: s.name, topic: origin.topic, partition: origin.partition });
        action = 'dead-letter';
      } else {
        outputs.newlyBlocked.add(s.name);
        this.options.logger.warn('subscription held back', { subscription: s.name, topic: origin.topic, partition: origin.partition, offset: origin.offset, code: failure.code, reason: failure.message });
        return;
      }
    }
    if (action === 'dead-letter') {
      this.options.metrics.deadLettered(s.name, failure.code);
      outputs.add(s.destination.deadLetterTopic, forwarded(message, origin, s.name, { code: failure.code, message: failure.message, attempts }));
    } else {
      this.options.metrics.discarded(s.name, failure.code);
      this.options.logger.warn('discarded an event a subscription could not take', { subscription: s.name, topic: origin.topic, offset: origin.offset, code: failure.code });
    }
  }

  private lag(): SubscriptionLag[] {
    const byType = new Map<string, { records: number; seconds: number }>();
    const now = Date.now();
    for (const route of this.routes.values()) {
      const type = route.topic.slice(EVENT_TOPIC_PREFIX.length);
      const records = route.next === undefined ? 0 : Math.max(0, Number(route.highWatermark - route.next));
      const seconds = records > 0 && route.waitingSince !== undefined ? Math.max(0, (now - route.waitingSince) / 1000) : 0;
      const current = byType.get(type) ?? { records: 0, seconds: 0 };
      byType.set(type, { records: current.records + records, seconds: Math.max(current.seconds, seconds) });
    }
    const lags: SubscriptionLag[] = [];
    for (const s of this.table().subscriptions.values()) {
      let records = 0;
      let seconds = 0;
      for (const type of s.eventTypes) {
        const lag = byType.get(type);
        if (lag) {
          records += lag.records;
          seconds = Math.max(seconds, lag.seconds);
        }
      }
      lags.push({ subscription: s.name, records, seconds });
    }
    return lags;
  }

  private blockedCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const route of this.routes.values()) for (const name of route.blocked.keys()) counts.set(name, (counts.get(name) ?? 0) + 1);
    return counts;
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.restartTimer);
    for (const off of this.unsubscribe) off();
    await this.restarting;
    await this.consumer?.disconnect();
    this.consumer = undefined;
    await Promise.all([...this.lanes.values()].map((lane) => lane.stop()));
    await Promise.all([...this.routes.values()].map((route) => route.close()));
    this.routes.clear();
    await this.admin.disconnect();
  }
}
