// The two ways of sending a request of n events that the benchmark compares: Herald's publish
// API over HTTP, and a raw kafkajs producer.
import { Agent, request } from 'node:http';
import { CompressionTypes, Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';
import { uuidv7 } from '@herald/envelope';
import type { SendRequest } from '../lib/load.js';
import type { Teardown } from '../lib/teardown.js';
import { publishBody, type KeyMode, type RecordTemplate } from './workload.js';

/**
 * An HTTP client of the publish API. node:http with a keep-alive agent of exactly `concurrency`
 * sockets: each worker keeps its own connection, as a pooled client would, and it costs the
 * load generator (which shares the machine) less CPU per request than fetch.
 */
export class PublishClient {
  private readonly agent: Agent;
  private readonly url: URL;

  constructor(
    baseUrl: string,
    private readonly token: string,
    concurrency: number,
  ) {
    this.url = new URL(baseUrl);
    this.agent = new Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
  }

  /** POSTs a body; resolves with the status and the answer's body (of a 201 only when `keep201`). */
  post(path: string, body: string, options: { keep201?: boolean } = {}): Promise<{ status: number; body: string }> {
    const keep201 = options.keep201 ?? true;
    return new Promise((resolve, reject) => {
      const req = request(
        {
          agent: this.agent,
          host: this.url.hostname,
          port: this.url.port,
          path,
          method: 'POST',
          headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          const status = res.statusCode ?? 0;
          let text = '';
          // The load skips a 201's body (ids, partitions, offsets): it is read off the socket, not kept.
          if (status === 201 && !keep201) res.resume();
          else res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve({ status, body: text }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  /** A request of `events` events to the type, each with a new id; throws unless answered 201. */
  sender(typeName: string, events: number, keys: KeyMode): SendRequest {
    const path = `/v1/events/${encodeURIComponent(typeName)}`;
    return async () => {
      const res = await this.post(path, publishBody(events, keys), { keep201: false });
      if (res.status !== 201) throw new Error(`publish answered ${res.status}: ${res.body.slice(0, 300)}`);
    };
  }

  close(): void {
    this.agent.destroy();
  }
}

/**
 * The baseline: one kafkajs producer set up as the publisher's (idempotent, one request in
 * flight, acks -1, no compression, Kafka's default partitioner), shared by every worker.
 */
export class RawProducer {
  private constructor(
    private readonly producer: Producer,
    private readonly topic: string,
    private readonly template: RecordTemplate,
  ) {}

  static async connect(teardown: Teardown, kafka: Kafka, topic: string, template: RecordTemplate): Promise<RawProducer> {
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2000 },
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    teardown.add('raw kafkajs producer', () => producer.disconnect());
    await producer.connect();
    return new RawProducer(producer, topic, template);
  }

  /** A sendBatch of `events` records keyed as Herald's are (so partitions spread alike), with the same value and headers. */
  sender(events: number, keys: KeyMode): SendRequest {
    const { value, headers } = this.template;
    return async () => {
      const messages = new Array<Message>(events);
      const key = keys === 'request' ? uuidv7() : undefined;
      for (let i = 0; i < events; i++) messages[i] = { key: key ?? uuidv7(), value, headers };
      await this.producer.sendBatch({ topicMessages: [{ topic: this.topic, messages }], acks: -1, compression: CompressionTypes.None });
    };
  }
}
