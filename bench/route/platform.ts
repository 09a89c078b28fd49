// What the routing benchmark runs against: its own single-node broker (fresh, wiped at the end),
// the schema registry as its built bundle, one event type recorded in the catalog as the
// publisher records one, its topic preloaded with signed events; and, per scenario, the router
// as its built bundle with its own subscriptions topic and consumer group.
import { randomBytes } from 'node:crypto';
import { generateAdminKey } from '@herald/auth';
import { subjectOf, topicNameOf, type EventType, type Subscription } from '@herald/catalog';
import { Keyring } from '@herald/envelope';
import { RegistryClient, SchemaCodec } from '@herald/schemas';
import { Kafka, logLevel, type Admin, type Message } from 'kafkajs';
import { startBenchBroker } from '../lib/bench-broker.js';
import { startServiceProcess, type ServiceProcess, type ServiceProcessOptions } from '../lib/service-process.js';
import type { Teardown } from '../lib/teardown.js';
import { recordBytes, rideOf, rideRecord, rideSchema, rideTypeName, writer } from './workload.js';

export const eventTypesTopic = '_herald.event-types';
export const quarantineTopic = '_bench.quarantine';
const PARTITIONS = 6;

/**
 * Settings of the topics the router and the raw pipe write: the broker's defaults (1 MB
 * max.message.bytes), which both respect by splitting a fetched batch into transactions of at
 * most 512 KiB of output.
 */
export const outputTopicConfigs: Record<string, string> = {};

export interface RoutePlatform {
  brokers: string[];
  brokerPid: number;
  registryPid: number;
  kafka: Kafka;
  admin: Admin;
  registryUrl: string;
  signingKeys: Record<string, string>;
  eventType: EventType;
  /** Creates a topic for one run (the broker is wiped at the end, so nothing is deleted). */
  createTopic(topic: string, partitions: number, configs?: Record<string, string>): Promise<void>;
}



export async function startPlatform(teardown: Teardown): Promise<RoutePlatform> {
  const { brokers, brokerPid, registry, registryUrl } = await startBenchBroker(teardown);

  // Quiet: a failure surfaces as an error of the step that met it.
  const kafka = new Kafka({ clientId: 'herald-bench', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  teardown.add('Kafka admin', () => admin.disconnect());
  await admin.connect();
  const createTopic = async (topic: string, partitions: number, configs: Record<string, string> = {}) => {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: partitions, replicationFactor: 1, configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })) }],
    });
  };
  const eventType = await declareRideType({ kafka, registryUrl, createTopic });
  return {
    brokers,
    brokerPid,
    registryPid: registry.pid,
    kafka,
    admin,
    registryUrl,
    signingKeys: { k1: randomBytes(32).toString('base64') },
    eventType,
    createTopic,
  };
}

/**
 * Records the ride type as the publisher's `POST /v1/event-types` would: the schema registered
 * under the type's subject, its topic created, the complete EventType in the catalog topic.
 */
async function declareRideType(options: {
  kafka: Kafka;
  registryUrl: string;
  createTopic: RoutePlatform['createTopic'];
}): Promise<EventType> {
  const registered = await new RegistryClient(options.registryUrl).register(subjectOf(rideTypeName), JSON.stringify(rideSchema));
  const now = new Date().toISOString();
  const eventType: EventType = {
    name: rideTypeName,
    description: 'Benchmark events: a ride with about 500 bytes of Avro.',
    owner: writer.id,
    source: writer.source,
    mode: 'state',
    schema: rideSchema,
    compatibility: 'BACKWARD',
    partitionKey: 'riderId',
    topic: { partitions: PARTITIONS, retentionMs: -1, replicationFactor: 1, latestState: false },
    writers: [writer.id],
    readers: [],
    topicName: topicNameOf(rideTypeName),
    subject: subjectOf(rideTypeName),
    schemaId: registered.id,
    schemaVersion: registered.version,
    revision: 1,
    createdAt: now,
    updatedAt: now,
  };
  await options.createTopic(eventType.topicName, PARTITIONS, { 'cleanup.policy': 'delete', 'retention.ms': '-1' });
  await options.createTopic(eventTypesTopic, 1, { 'cleanup.policy': 'compact' });
  await produceAll(options.kafka, eventTypesTopic, [{ key: eventType.name, value: JSON.stringify(eventType) }]);
  return eventType;
}

async function produceAll(kafka: Kafka, topic: string, messages: Message[]): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    // A few hundred records a request: a produce request of one batch must stay under the broker's 1 MB.
    for (let i = 0; i < messages.length; i += 500) await producer.send({ topic, acks: -1, messages: messages.slice(i, i + 500) });
  } finally {
    await producer.disconnect();
  }
}

/** Writes `total` signed ride events to the type's topic; returns the average record size. */
export async function preload(platform: RoutePlatform, total: number, keys: number): Promise<{ recordBytes: number; valueBytes: number }> {
  const codec = new SchemaCodec({ registry: platform.registryUrl });
  const source = {
    keyring: new Keyring({ currentKeyId: 'k1', keys: platform.signingKeys }),
    codec,
    schemaId: platform.eventType.schemaId,
    registryUrl: platform.registryUrl,
  };
  const producer = platform.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  let bytes = 0;
  let valueBytes = 0;
  try {
    const chunk = 3000;
    for (let from = 0; from < total; from += chunk) {
      const messages: Message[] = [];
      for (let i = from; i < Math.min(total, from + chunk); i++) {
        const record = await rideRecord(rideOf(i, keys), source);
        bytes += recordBytes(record);
        valueBytes += record.value.length;
        messages.push(record);
      }
      await producer.send({ topic: platform.eventType.topicName, acks: -1, messages });
    }
  } finally {
    await producer.disconnect();
  }
  return { recordBytes: bytes / total, valueBytes: valueBytes / total };
}

/** Writes subscriptions into a new compacted subscriptions topic, as the catalog keeps them. */
export async function writeSubscriptions(platform: RoutePlatform, topic: string, subscriptions: Subscription[]): Promise<void> {
  await platform.createTopic(topic, 1, { 'cleanup.policy': 'compact' });
  await produceAll(
    platform.kafka,
    topic,
    subscriptions.map((s) => ({ key: s.name, value: JSON.stringify(s) })),
  );
}

export interface RouterRun {
  subscriptionsTopic: string;
  groupId: string;
  /** Extra settings (an experiment with a knob). */
  env: Record<string, string>;
  process?: ServiceProcessOptions;
}

/** Starts the router's bundle; resolves once it listens (its consumer is then joining the group). */
export async function startRouter(teardown: Teardown, platform: RoutePlatform, run: RouterRun): Promise<ServiceProcess> {
  const router = startServiceProcess(
    teardown,
    'router',
    {
      HERALD_KAFKA_BROKERS: platform.brokers.join(','),
      HERALD_REGISTRY_URL: platform.registryUrl,
      HERALD_EVENT_TYPES_TOPIC: eventTypesTopic,
      HERALD_SUBSCRIPTIONS_TOPIC: run.subscriptionsTopic,
      HERALD_ROUTER_GROUP_ID: run.groupId,
      HERALD_ROUTER_QUARANTINE_TOPIC: quarantineTopic,
      HERALD_ROUTER_PORT: '0',
      HERALD_ROUTER_HOST: '127.0.0.1',
      HERALD_ROUTER_TOPIC_REPLICATION_FACTOR: '1',
      HERALD_SIGNING_KEYS: JSON.stringify(platform.signingKeys),
      HERALD_ADMIN_KEY: generateAdminKey(),
      ...run.env,
    },
    run.process,
  );
  await router.waitForLog((l) => l.msg === 'router listening', 120_000);
  return router;
}
