// What the publish benchmark runs against: its own single-node broker (fresh, wiped at the
// end), the schema registry and the publisher as their built bundles, and one event type.
import { randomBytes } from 'node:crypto';
import { generateApiKey } from '@herald/auth';
import { Keyring } from '@herald/envelope';
import { Kafka, logLevel } from 'kafkajs';
import { log, loopback, startBenchBroker } from '../lib/bench-broker.js';
import { startServiceProcess, type ServiceProcess, type ServiceProcessOptions } from '../lib/service-process.js';
import type { Teardown } from '../lib/teardown.js';
import { PublishClient } from './drivers.js';
import { eventTypeName, payloadSchema } from './workload.js';


export const writer = { id: 'bench-writer', source: 'https://bench.herald.example/load' };

export interface PlatformOptions {
  concurrency: number;
  /** Extra settings of the publisher process (an experiment with a knob). */
  publisherEnv?: Record<string, string>;
  /** How the publisher process runs: node flags (--cpu-prof), another bundle. */
  publisherProcess?: ServiceProcessOptions;
}

export interface BenchPlatform {
  brokers: string[];
  brokerPid: number;
  kafka: Kafka;
  registryUrl: string;
  publisher: ServiceProcess;
  publisherUrl: string;
  client: PublishClient;
  keyring: Keyring;
  eventType: { name: string; topic: string; schemaId: number; partitions: number };
  /** Average Kafka record size (key, value, headers) the publisher reports writing, from /metrics. */
  publishedRecordBytes(): Promise<number>;
}



export async function startPlatform(teardown: Teardown, options: PlatformOptions): Promise<BenchPlatform> {
  const { brokers, brokerPid, registryUrl } = await startBenchBroker(teardown);

  const key = generateApiKey(writer.id, { source: writer.source });
  const signingKeys = { k1: randomBytes(32).toString('base64') };
  const publisherEnv = {
    HERALD_KAFKA_BROKERS: brokers.join(','),
    HERALD_REGISTRY_URL: registryUrl,
    HERALD_EVENT_TYPES_TOPIC: '_herald.event-types',
    HERALD_PUBLISHER_PORT: '0',
    HERALD_PUBLISHER_HOST: '127.0.0.1',
    HERALD_PUBLISHER_TOPIC_REPLICATION_FACTOR: '1',
    HERALD_SIGNING_KEYS: JSON.stringify(signingKeys),
    HERALD_API_KEYS: JSON.stringify([key.entry]),
    // Far above what one instance can do: the rate limiter must not shape the load.
    HERALD_PUBLISHER_RATE_LIMIT: '10000000',
    HERALD_PUBLISHER_RATE_BURST: '100000000',
    ...options.publisherEnv,
  };
  log('starting the publisher (built bundle)');
  const publisher = startServiceProcess(teardown, 'publisher', publisherEnv, options.publisherProcess);
  const publisherUrl = loopback((await publisher.waitForLog((l) => l.msg === 'publisher listening')).url);

  const client = new PublishClient(publisherUrl, key.token, options.concurrency);
  teardown.add('HTTP client', () => client.close());
  const declared = await client.post(
    '/v1/event-types',
    JSON.stringify({
      name: eventTypeName,
      description: 'Benchmark events: an id and a 1 KiB payload.',
      source: 'https://bench.herald.example/types',
      mode: 'state',
      schema: payloadSchema,
      partitionKey: 'id',
      topic: { partitions: 6 },
      writers: [writer.id],
    }),
  );
  if (declared.status !== 201) throw new Error(`declaring ${eventTypeName} answered ${declared.status}: ${declared.body}`);
  const type = JSON.parse(declared.body) as { topicName: string; schemaId: number; topic: { partitions: number } };

  // Quiet: a failed send surfaces as a failed request in the results, not as a log line.
  const kafka = new Kafka({ clientId: 'herald-bench', brokers, logLevel: logLevel.NOTHING });
  return {
    brokers,
    brokerPid,
    kafka,
    registryUrl,
    publisher,
    publisherUrl,
    client,
    keyring: new Keyring({ currentKeyId: 'k1', keys: signingKeys }),
    eventType: { name: eventTypeName, topic: type.topicName, schemaId: type.schemaId, partitions: type.topic.partitions },
    async publishedRecordBytes() {
      const text = await (await fetch(`${publisherUrl}/metrics`)).text();
      const counter = (name: string) => Number(new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
      return counter('herald_publisher_bytes_total') / counter('herald_publisher_events_total');
    },
  };
}
