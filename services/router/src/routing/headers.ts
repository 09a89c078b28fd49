// Headers the router adds to the records it forwards. The record itself (key, value, every
// header it had, timestamp) is forwarded unchanged, so signatures still verify downstream.
// Dead letters carry the error too, in a format the replay service reads to redrive them.
import type { IHeaders, KafkaMessage } from 'kafkajs';
import { ERROR_HEADERS, ROUTING_HEADERS } from '@herald/catalog';

export { ERROR_HEADERS, ROUTING_HEADERS };

export interface Origin {
  topic: string;
  partition: number;
  offset: string;
}

export interface OutputMessage {
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
  timestamp: string;
}

export interface ErrorInfo {
  code: string;
  message: string;
  attempts: number;
}

/** Header values are bounded: a long error message is cut, not allowed to make the record too large. */
const MAX_ERROR_MESSAGE = 2000;

export function forwarded(message: KafkaMessage, origin: Origin, subscription: string | undefined, error?: ErrorInfo): OutputMessage {
  const headers: IHeaders = { ...message.headers };
  if (subscription !== undefined) headers[ROUTING_HEADERS.subscription] = subscription;
  headers[ROUTING_HEADERS.originTopic] = origin.topic;
  headers[ROUTING_HEADERS.originPartition] = String(origin.partition);
  headers[ROUTING_HEADERS.originOffset] = origin.offset;
  if (error) {
    headers[ERROR_HEADERS.code] = error.code;
    headers[ERROR_HEADERS.message] = error.message.slice(0, MAX_ERROR_MESSAGE);
    headers[ERROR_HEADERS.attempts] = String(error.attempts);
    headers[ERROR_HEADERS.time] = new Date().toISOString();
  }
  return { key: message.key, value: message.value, headers, timestamp: message.timestamp };
}

export function sizeOf(message: OutputMessage): number {
  let size = (message.key?.length ?? 0) + (message.value?.length ?? 0);
  for (const [name, value] of Object.entries(message.headers)) {
    size += name.length;
    if (typeof value === 'string' || Buffer.isBuffer(value)) size += value.length;
    else if (Array.isArray(value)) for (const v of value) size += v.length;
  }
  return size;
}
