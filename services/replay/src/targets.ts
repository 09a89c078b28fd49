// Opens a job's target for its run: the topic (through the job's transactional producer, with
// the checkpoint in each transaction), the PostgreSQL table (created or checked again, as the
// schema may have evolved since the job was created), the HTTP endpoint, or, for a dry run,
// nothing at all.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Producer } from 'kafkajs';
import type pg from 'pg';
import type { EventType, EventTypeCatalog, SubscriptionCatalog } from '@herald/catalog';
import type { LogRecord } from '@herald/kafka';
import { HttpProblem } from '@herald/runtime';
import { JobError } from './jobs/errors.js';
import type { ReplayJob } from './jobs/model.js';
import type { Target } from './jobs/run.js';
import { HttpSink } from './sinks/http.js';
import { PostgresTable, PostgresTargetError, type PostgresTableOptions } from './sinks/postgres.js';
import type { ReplayItem } from './sinks/sink.js';
import { TableSink } from './sinks/table.js';
import { TopicSink } from './sinks/topic.js';
import { targetUnavailable } from './errors.js';
import type { TableChecker } from './replays-api.js';

/** PostgreSQL errors a retry may get past: a lost or refused connection, a restart, a deadlock. */
export function isTransientPostgresError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string') return false;
  return code.startsWith('08') || ['57P01', '57P02', '57P03', '40001', '40P01', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes(code);
}

const POSTGRES_ATTEMPTS = 6;

async function retryTransient<T>(write: () => Promise<T>, signal: AbortSignal): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (!isTransientPostgresError(error) || signal.aborted) throw error;
      if (attempt >= POSTGRES_ATTEMPTS) throw new JobError('target_unavailable', `PostgreSQL failed ${attempt} times; the last: ${(error as Error).message}`, { cause: error });
      await sleep(Math.min(10_000, 250 * 2 ** attempt), undefined, { signal });
    }
  }
}

export interface TargetsOptions {
  replaysTopic: string;
  pool: pg.Pool | undefined;
  batchSize: number;
  eventTypes: Pick<EventTypeCatalog, 'get'>;
  subscriptions: Pick<SubscriptionCatalog, 'get'>;
}

/**
 * What a table of the source types is made from: their schemas, and the primary key, the
 * partition-key field when every type has the same top-level one.
 */
function tableOptions(pool: pg.Pool, table: string, types: readonly Pick<EventType, 'schema' | 'partitionKey'>[]): PostgresTableOptions {
  const keys = new Set(types.map((t) => t.partitionKey));
  const key = types[0]?.partitionKey;
  const keyField = keys.size === 1 && key !== undefined && !key.includes('.') ? key : undefined;
  return { pool, table, schemas: types.map((t) => t.schema), ...(keyField !== undefined ? { keyField } : {}) };
}

/** The job's source types as the catalog has them now. */
function sourceTypes(job: ReplayJob, options: TargetsOptions): EventType[] {
  const source = job.spec.source;
  const names = 'eventTypes' in source ? source.eventTypes : (options.subscriptions.get(source.subscription)?.eventTypes ?? []);
  const types = names.map((name) => options.eventTypes.get(name)).filter((t) => t !== undefined);
  if (types.length === 0) throw new JobError('unknown_event_type', `the event types of replay ${job.name} are gone from the catalog`);
  return types;
}

export function createTargets(options: TargetsOptions): { open: (job: ReplayJob, producer: Producer) => Promise<Target>; tables: TableChecker | undefined } {
  const { pool } = options;
  const tables: TableChecker | undefined = pool && {
    async check(table, types) {
      try {
        await PostgresTable.open(tableOptions(pool, table, types));
      } catch (error) {
        if (error instanceof PostgresTargetError) throw new HttpProblem('invalid_target', 'The table does not fit', { detail: error.message, extensions: { reason: error.code } });
        throw targetUnavailable(error);
      }
    },
  };

  async function open(job: ReplayJob, producer: Producer): Promise<Target> {
    const { target } = job.spec;
    if (job.spec.dryRun) {
      // Counts what would be replayed: `matched`, per partition; writes nothing.
      return { kind: 'dry', needsData: target.kind !== 'topic', maxBatch: 5000, write: async () => ({ written: 0, skipped: 0, checkpointed: false }), close: async () => {} };
    }
    if (target.kind === 'topic') {
      const sink = new TopicSink({ producer, topic: target.topic, job: job.name, checkpointTopic: options.replaysTopic, dropErrorHeaders: job.kind === 'redrive' });
      return {
        kind: 'topic',
        needsData: false,
        maxBatch: sink.maxBatch,
        maxBatchBytes: sink.maxBatchBytes,
        write: async (items: ReplayItem[], checkpoint: LogRecord) => ({ ...(await sink.write(items, checkpoint)), checkpointed: true }),
        close: async () => {},
      };
    }
    if (target.kind === 'http') {
      const sink = new HttpSink({ url: target.url, ...(target.batchSize !== undefined ? { batchSize: target.batchSize } : {}) });
      return {
        kind: 'http',
        needsData: true,
        maxBatch: sink.batchSize,
        write: async (items: ReplayItem[], _checkpoint: LogRecord, signal: AbortSignal) => ({ ...(await sink.write(items, signal)), checkpointed: false }),
        close: () => sink.close(),
      };
    }
    if (!pool) throw new JobError('invalid_target', 'the postgres target is no longer configured (HERALD_REPLAY_POSTGRES_URL)');
    const types = sourceTypes(job, options);
    let table: PostgresTable;
    try {
      table = await PostgresTable.open(tableOptions(pool, target.table, types));
    } catch (error) {
      if (error instanceof PostgresTargetError) throw new JobError('invalid_target', error.message, { cause: error });
      throw new JobError('target_unavailable', `PostgreSQL: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    const sink = new TableSink({ table, version: target.version ?? 'offset', ...(target.deleteWhen !== undefined ? { deleteWhen: target.deleteWhen } : {}), maxBatch: options.batchSize });
    return {
      kind: 'postgres',
      needsData: true,
      maxBatch: sink.maxBatch,
      // Upserts are version-guarded: a batch retried after a lost connection changes nothing twice.
      write: async (items: ReplayItem[], _checkpoint: LogRecord, signal: AbortSignal) => ({ ...(await retryTransient(() => sink.write(items), signal)), checkpointed: false }),
      close: () => sink.close(),
    };
  }

  return { open, tables };
}
