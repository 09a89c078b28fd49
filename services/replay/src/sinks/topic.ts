// The `topic` target: records are copied unchanged (key, value, every header, so signatures
// still verify) with `herald-replay: <job>` and, when they have none, `herald-origin-*` headers
// saying where they were read. A redrive drops the dead letter's `herald-error-*` headers. Each
// chunk is written in one Kafka transaction with the job's checkpoint, so a job that crashes and
// resumes writes every record exactly once.
import type { IHeaders, Message, Producer } from 'kafkajs';
import { ERROR_HEADERS, ROUTING_HEADERS } from '@herald/catalog';
import type { LogRecord } from '@herald/kafka';
import type { ReplayItem, SinkWriteResult } from './sink.js';

/** Kafka refuses a record batch over the broker's 1 MB `message.max.bytes`; a transaction's batches stay well below. */
export const MAX_TRANSACTION_BYTES = 512 * 1024;
export const MAX_TRANSACTION_RECORDS = 5000;

const errorHeaders = new Set<string>(Object.values(ERROR_HEADERS));

export interface TopicSinkOptions {
  producer: Producer;
  topic: string;
  job: string;
  /** Where the checkpoint goes: the replays topic. */
  checkpointTopic: string;
  /** Redrive: drop the error headers of dead letters. */
  dropErrorHeaders: boolean;
}

export function copiedMessage(item: ReplayItem, job: string, dropErrorHeaders: boolean): Message {
  const headers: IHeaders = {};
  for (const name in item.headers) {
    if (dropErrorHeaders && errorHeaders.has(name)) continue;
    headers[name] = item.headers[name];
  }
  headers[ROUTING_HEADERS.replay] = job;
  if (headers[ROUTING_HEADERS.originTopic] === undefined) {
    headers[ROUTING_HEADERS.originTopic] = item.topic;
    headers[ROUTING_HEADERS.originPartition] = String(item.partition);
    headers[ROUTING_HEADERS.originOffset] = item.offset;
  }
  // No timestamp: the broker's time, so the target's retention counts from the replay, not from
  // when the event first happened (that is `ce_time`).
  return { key: item.key, value: item.value, headers };
}

export class TopicSink {
  readonly needsData = false;
  readonly maxBatch = MAX_TRANSACTION_RECORDS;
  readonly maxBatchBytes = MAX_TRANSACTION_BYTES;

  constructor(private readonly options: TopicSinkOptions) {}

  /** Writes the items and the checkpoint in one transaction; tombstones are skipped (a copy has nothing to say about them). */
  async write(items: ReplayItem[], checkpoint: LogRecord): Promise<SinkWriteResult> {
    const { producer, topic, job, checkpointTopic, dropErrorHeaders } = this.options;
    const messages: Message[] = [];
    let skipped = 0;
    for (const item of items) {
      if (item.value === null) skipped++;
      else messages.push(copiedMessage(item, job, dropErrorHeaders));
    }
    const transaction = await producer.transaction();
    try {
      await transaction.sendBatch({
        acks: -1,
        topicMessages: [
          ...(messages.length > 0 ? [{ topic, messages }] : []),
          { topic: checkpointTopic, messages: [{ key: checkpoint.key, value: checkpoint.value }] },
        ],
      });
      await transaction.commit();
    } catch (error) {
      await transaction.abort().catch(() => undefined);
      throw error;
    }
    return { written: messages.length, skipped };
  }
}
