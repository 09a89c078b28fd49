// Where a replay writes: a Kafka topic, a PostgreSQL table or an HTTP endpoint. The runner reads
// the source in order per partition, filters, and hands each sink batches of items; a sink
// resolves `write` once the batch is durable in the target.
import type { HeraldAttributes, KafkaHeaders } from '@herald/envelope';

/** One source record on its way to a target. */
export interface ReplayItem {
  /** Where it was read. */
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  /** null: a tombstone (compacted topics). */
  value: Buffer | null;
  headers: KafkaHeaders;
  /** The record's timestamp, ms since the epoch, as kafkajs gives it. */
  timestamp: string;
  /** Latest-state records: where the event was first recorded (its offset orders it against the tail). */
  origin?: { topic: string; partition: number; offset: string };
  /** Verified CloudEvents attributes; undefined for a tombstone, and for a copy into a topic (which does not read them). */
  attributes: HeraldAttributes | undefined;
  /** The data decoded to plain JSON values (Avro unions unwrapped); only for sinks with `needsData`. */
  data?: unknown;
}

/** A change to a row of a table, derived from one item by the runner. */
export interface RowChange {
  /** The entity: the event's partition key. */
  key: string;
  /** Guards the upsert: a row is only replaced by a change with a version at least as high. */
  version: bigint;
  /** The event is a deletion (matched the target's `deleteWhen` pattern, or a tombstone). */
  deleted: boolean;
  /** The decoded data (a record's fields); undefined when deleted. */
  data: Record<string, unknown> | undefined;
  /** Provenance kept beside the row. */
  event: { id: string; source: string; type: string; time: string; recordedtime: string } | undefined;
}

export interface SinkWriteResult {
  /** Items (or rows) the target accepted. */
  written: number;
  /** Items the target skipped as already applied or older (version guard). */
  skipped: number;
  /** Rows the batch deleted (tables only). */
  deleted?: number;
}

export interface Sink {
  /** The sink needs `data` decoded on each item. */
  readonly needsData: boolean;
  write(items: ReplayItem[], signal?: AbortSignal): Promise<SinkWriteResult>;
  close(): Promise<void>;
}
