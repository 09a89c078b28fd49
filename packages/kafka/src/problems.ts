// Kafka not answering, as the HTTP problem a client may retry.
import kafkajs from 'kafkajs';
import { HttpProblem } from '@herald/runtime';
import { LogWriteError } from './exclusive-writer.js';

// kafkajs is CommonJS and spreads its errors into its exports, which Node cannot name for ESM.
const { KafkaJSConnectionError, KafkaJSError, KafkaJSNumberOfRetriesExceeded } = kafkajs;

/** Kafka not answering is a 503 `kafka_unavailable` the client may retry; anything else stays what it is. */
export function kafkaProblem(err: unknown): unknown {
  const unavailable =
    err instanceof LogWriteError || err instanceof KafkaJSNumberOfRetriesExceeded || err instanceof KafkaJSConnectionError || (err instanceof KafkaJSError && err.retriable);
  if (!unavailable) return err;
  return new HttpProblem('kafka_unavailable', 'Kafka is unavailable', { detail: `nothing was changed: ${(err as Error).message}`, headers: { 'Retry-After': '1' }, cause: err });
}
