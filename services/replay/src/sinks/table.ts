// The `postgres` target as the runner sees it: items become row changes (the entity's key, a
// version that guards the upsert, whether the event deletes the row) and a PostgresTable
// applies them in one transaction per batch.
import { evaluate, type Pattern } from '@herald/patterns';
import { JobError } from '../jobs/errors.js';
import { patternView } from '../jobs/events.js';
import type { VersionSource } from '../jobs/model.js';
import type { ReplayItem, RowChange, Sink, SinkWriteResult } from './sink.js';

export interface RowTable {
  apply(changes: RowChange[]): Promise<{ written: number; skipped: number; deleted: number }>;
}

export interface TableSinkOptions {
  table: RowTable;
  version: VersionSource;
  deleteWhen?: Pattern;
  maxBatch: number;
}

const INTEGER = /^-?\d{1,19}$/;

/** The version of an item's event, by the job's choice of what orders events of one entity. */
export function versionOf(item: ReplayItem, source: VersionSource): bigint {
  const attributes = item.attributes!;
  switch (source) {
    case 'offset':
      // A latest-state record counts as the event it copies: its offset orders it against the tail.
      return BigInt(item.origin?.offset ?? item.offset);
    case 'sequence': {
      const sequence = attributes.sequence;
      if (sequence === undefined || !INTEGER.test(sequence)) {
        throw new JobError(
          'missing_sequence',
          `event ${attributes.id} (${attributes.type}, ${item.topic}[${item.partition}]@${item.offset}) has ${sequence === undefined ? 'no sequence' : `the sequence "${sequence}", not an integer`}; version the table by "offset" or "recordedtime" instead`,
        );
      }
      return BigInt(sequence);
    }
    case 'recordedtime':
      return BigInt(Date.parse(attributes.recordedtime));
  }
}

export class TableSink implements Sink {
  readonly needsData = true;
  readonly maxBatch: number;

  constructor(private readonly options: TableSinkOptions) {
    this.maxBatch = options.maxBatch;
  }

  async write(items: ReplayItem[]): Promise<SinkWriteResult> {
    const changes: RowChange[] = [];
    let skipped = 0;
    for (const item of items) {
      const attributes = item.attributes;
      if (!attributes) {
        skipped++;
        continue;
      }
      const deleted = this.options.deleteWhen !== undefined && evaluate(this.options.deleteWhen, patternView(attributes, item.data));
      const data = item.data;
      if (!deleted && (typeof data !== 'object' || data === null || Array.isArray(data))) {
        throw new JobError('unsupported_data', `event ${attributes.id} (${attributes.type}) has data that is not a record: a table row needs fields`);
      }
      changes.push({
        key: attributes.partitionkey,
        version: versionOf(item, this.options.version),
        deleted,
        data: deleted ? undefined : (data as Record<string, unknown>),
        event: { id: attributes.id, source: attributes.source, type: attributes.type, time: attributes.time, recordedtime: attributes.recordedtime },
      });
    }
    const result = changes.length > 0 ? await this.options.table.apply(changes) : { written: 0, skipped: 0, deleted: 0 };
    return { written: result.written, skipped: skipped + result.skipped, deleted: result.deleted };
  }

  async close(): Promise<void> {}
}
